package build

import (
	"fmt"
	"path"
	"strings"
)

// cleanPattern checks a glob pattern of artifacts and puts it in the form
// match expects: relative, "./" dropped, no "..", repeated "**" folded,
// and the shell's negated class [!...] written as path.Match's [^...].
func cleanPattern(p string) (string, error) {
	p = strings.TrimPrefix(p, "./")
	clean, err := cleanRel(p)
	if err != nil {
		return "", err
	}
	var elems []string
	for _, e := range strings.Split(clean, "/") {
		e = shellClass(e)
		if _, err := path.Match(e, ""); err != nil {
			return "", fmt.Errorf("%q is not a valid pattern: %w", p, err)
		}
		if e == "**" && len(elems) > 0 && elems[len(elems)-1] == "**" {
			continue
		}
		elems = append(elems, e)
	}
	return strings.Join(elems, "/"), nil
}

// shellClass rewrites "[!" opening a character class as "[^".
func shellClass(e string) string {
	b := []byte(e)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\\':
			i++
		case b[i] == '[' && i+1 < len(b) && b[i+1] == '!':
			b[i+1] = '^'
		}
	}
	return string(b)
}

// match reports whether the slash-separated relative path name matches
// pattern. Elements match as in path.Match (*, ?, [...]; hidden files
// included); an element that is exactly "**" matches zero or more whole
// elements, so "**/*" is every file and "a/**/b" finds b anywhere below a.
func match(pattern, name string) bool {
	return matchElems(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchElems(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchElems(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// matchAny reports whether name matches one of patterns.
func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if match(p, name) {
			return true
		}
	}
	return false
}
