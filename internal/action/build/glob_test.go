package build

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"a.txt", "a.txt", true},
		{"a.txt", "d/a.txt", false},
		{"*", "a.txt", true},
		{"*", "d/a.txt", false},
		{"*", ".hidden", true},
		{"*.jar", "app.jar", true},
		{"d/*", "d/a", true},
		{"d/*", "d/e/a", false},
		{"**/*", "a", true},
		{"**/*", "d/e/f/a", true},
		{"**/*", ".ebextensions/x.config", true},
		{"**", "d/e", true},
		{"d/**/*", "d/a", true},
		{"d/**/*", "d/e/a", true},
		{"d/**/*", "e/d/a", false},
		{"d/**", "d/e/a", true},
		{"**/a", "a", true},
		{"**/a", "x/y/a", true},
		{"**/a", "x/y/b", false},
		{"a/**/b/*.go", "a/b/c.go", true},
		{"a/**/b/*.go", "a/x/y/b/c.go", true},
		{"a/**/b/*.go", "a/x/y/c.go", false},
		{"a**b", "axxb", true},
		{"a**b", "ax/xb", false},
		{"?.txt", "a.txt", true},
		{"?.txt", "ab.txt", false},
		{"[ab].txt", "b.txt", true},
		{"[!ab].txt", "b.txt", false},
		{"**/*.map", "js/app.js.map", true},
	}
	for _, tc := range tests {
		pattern, err := cleanPattern(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := match(pattern, tc.name); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestCleanPattern(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, err string }{
		{in: "./dist/**/*", want: "dist/**/*"},
		{in: "**/**/*", want: "**/*"},
		{in: "a//b/./c", want: "a/b/c"},
		{in: "a/../../b", err: "leaves the source directory"},
		{in: "/etc/passwd", err: "is absolute"},
		{in: "[!a]/\\[!b]", want: "[^a]/\\[!b]"},
		{in: "[", err: "not a valid pattern"},
	}
	for _, tc := range tests {
		got, err := cleanPattern(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("cleanPattern(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("cleanPattern(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
