package build

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ParseError is a buildspec that cannot be run, with the line to fix.
type ParseError struct {
	Line int
	Path string // the setting, like "phases.build.on-failure"; may be empty
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("buildspec line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("buildspec line %d: %s: %s", e.Line, e.Path, e.Msg)
}

func errAt(n *yaml.Node, path, format string, args ...any) error {
	return &ParseError{Line: n.Line, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// join names a setting below path: a key, or an index in brackets.
func join(path string, key any) string {
	if i, ok := key.(int); ok {
		return path + "[" + strconv.Itoa(i) + "]"
	}
	if path == "" {
		return fmt.Sprint(key)
	}
	return path + "." + fmt.Sprint(key)
}

// resolve follows aliases, so anchors work anywhere.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// pair is one entry of a mapping.
type pair struct {
	key   string
	node  *yaml.Node // the key, for its line
	value *yaml.Node
}

// pairs returns a mapping's entries, merge keys (<<) expanded below the
// mapping's own keys. A null counts as an empty mapping, since "env:" with
// nothing under it is common.
func pairs(n *yaml.Node, path string) ([]pair, error) {
	n = resolve(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, path, "want a mapping of keys to values")
	}
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, errAt(k, path, "keys must be plain strings")
		}
		if k.ShortTag() == "!!merge" {
			m, err := mergePairs(v, path)
			if err != nil {
				return nil, err
			}
			merged = append(merged, m...)
			continue
		}
		if slices.ContainsFunc(own, func(p pair) bool { return p.key == k.Value }) {
			return nil, errAt(k, join(path, k.Value), "set twice")
		}
		own = append(own, pair{key: k.Value, node: k, value: v})
	}
	for _, m := range merged {
		if !slices.ContainsFunc(own, func(p pair) bool { return p.key == m.key }) {
			own = append(own, m)
		}
	}
	return own, nil
}

// mergePairs expands the value of a merge key: one mapping or a list of them.
func mergePairs(v *yaml.Node, path string) ([]pair, error) {
	v = resolve(v)
	if v.Kind != yaml.SequenceNode {
		return pairs(v, path)
	}
	var out []pair
	for _, m := range v.Content {
		p, err := pairs(m, path)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	return out, nil
}

// fields returns a mapping's values by key, refusing keys not allowed.
func fields(n *yaml.Node, path string, allowed ...string) (map[string]*yaml.Node, error) {
	ps, err := pairs(n, path)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*yaml.Node, len(ps))
	for _, p := range ps {
		if !slices.Contains(allowed, p.key) {
			return nil, errAt(p.node, join(path, p.key), "unknown key; known here: %s", strings.Join(allowed, ", "))
		}
		out[p.key] = p.value
	}
	return out, nil
}

// scalar returns a scalar's text whatever its YAML type, so numbers and
// booleans read as written ("- true" is the command true).
func scalar(n *yaml.Node, path string) (string, error) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		return "", errAt(n, path, "want a single value (quote it if it contains \": \")")
	}
	if isNull(n) {
		return "", nil
	}
	return n.Value, nil
}

// list returns a sequence of scalars; none may be empty.
func list(n *yaml.Node, path string) ([]string, error) {
	n = resolve(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(n, path, "want a list")
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		s, err := scalar(item, join(path, i))
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			return nil, errAt(item, join(path, i), "empty entry")
		}
		out = append(out, s)
	}
	return out, nil
}

// stringMap returns a mapping of names to scalar values.
func stringMap(n *yaml.Node, path string) (map[string]string, error) {
	ps, err := pairs(n, path)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		v, err := scalar(p.value, join(path, p.key))
		if err != nil {
			return nil, err
		}
		out[p.key] = v
	}
	return out, nil
}

// boolean reads CodeBuild's yes/no settings (true/false too).
func boolean(n *yaml.Node, path string) (bool, error) {
	s, err := scalar(n, path)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "yes", "true":
		return true, nil
	case "no", "false", "":
		return false, nil
	}
	return false, errAt(n, path, "%q is not yes or no", s)
}
