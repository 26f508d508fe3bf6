package artifacttest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// listKeys is a small tree: top-level keys, nested prefixes, a key equal
// to a prefix's stem, and keys that sort around the delimiter.
// They are in S3's order, by UTF-8 bytes: "-" and "." sort before "/".
var listKeys = []string{
	"a-dash", "a.dot", "a/1", "a/2", "a/b/3", "a/b/4", "a/c/5", "b/1", "b/2/x",
	"c", "d/x", "d/y/z", "e", "g/h/i/j",
}

func exerciseList(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "list", true)
	for _, k := range listKeys {
		mustPut(t, s, "list", k, k)
	}
	cases := []struct {
		opts           artifact.ListOptions
		keys, prefixes string
	}{
		{artifact.ListOptions{}, strings.Join(listKeys, ","), ""},
		{artifact.ListOptions{Prefix: "a/"}, "a/1,a/2,a/b/3,a/b/4,a/c/5", ""},
		{artifact.ListOptions{Prefix: "a"}, "a-dash,a.dot,a/1,a/2,a/b/3,a/b/4,a/c/5", ""},
		{artifact.ListOptions{Delimiter: "/"}, "a-dash,a.dot,c,e", "a/,b/,d/,g/"},
		{artifact.ListOptions{Prefix: "a/", Delimiter: "/"}, "a/1,a/2", "a/b/,a/c/"},
		{artifact.ListOptions{Prefix: "d/y/", Delimiter: "/"}, "d/y/z", ""},
		{artifact.ListOptions{Prefix: "zzz"}, "", ""},
		{artifact.ListOptions{After: "c"}, "d/x,d/y/z,e,g/h/i/j", ""},
	}
	for _, c := range cases {
		l, err := s.List(ctx, "list", c.opts)
		wantNoErr(t, fmt.Sprintf("list %+v", c.opts), err)
		if got := objectKeys(l); got != c.keys || strings.Join(l.Prefixes, ",") != c.prefixes || l.Truncated {
			t.Fatalf("list %+v = %s | %s (truncated %v), want %s | %s", c.opts, got, strings.Join(l.Prefixes, ","), l.Truncated, c.keys, c.prefixes)
		}
	}

	if !lacking(t, s, CheckLongDelimiter) {
		checkList(t, s, artifact.ListOptions{Delimiter: "b/"}, "a-dash,a.dot,a/1,a/2,a/c/5,c,d/x,d/y/z,e,g/h/i/j | a/b/,b/")
	}
	if !lacking(t, s, CheckEdgeSlashKeys) {
		mustPut(t, s, "list", "f/", "a key that is its own prefix")
		checkList(t, s, artifact.ListOptions{Prefix: "f/", Delimiter: "/"}, "f/ | ")
		checkList(t, s, artifact.ListOptions{Prefix: "f", Delimiter: "/"}, " | f/")
		_, err := s.Delete(ctx, "list", "f/", "")
		wantNoErr(t, "delete f/", err)
	}
	if lacking(t, s, CheckMarkedListing) {
		return
	}
	for _, k := range []string{"c", "g/h/i/j"} {
		_, err := s.Delete(ctx, "list", k, "")
		wantNoErr(t, "delete "+k, err)
	}
	checkList(t, s, artifact.ListOptions{Delimiter: "/"}, "a-dash,a.dot,e | a/,b/,d/")
}

func checkList(t *testing.T, s artifact.Store, opts artifact.ListOptions, want string) {
	t.Helper()
	l, err := s.List(ctx, "list", opts)
	wantNoErr(t, "list", err)
	if got := objectKeys(l) + " | " + strings.Join(l.Prefixes, ","); got != want {
		t.Fatalf("list %+v = %s, want %s", opts, got, want)
	}
}

func exerciseListPages(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "pages", false)
	var all []string
	for i := range 23 {
		k := fmt.Sprintf("k/%02d", i)
		if i%5 == 0 {
			k = fmt.Sprintf("k/%02d/sub/x", i)
		}
		all = append(all, k)
		mustPut(t, s, "pages", k, k)
	}
	slices.Sort(all)
	for _, max := range []int{1, 2, 3, 7, 23, 100} {
		got := pages(t, s, artifact.ListOptions{Prefix: "k/", Max: max})
		if got != strings.Join(all, ",") {
			t.Fatalf("pages of %d = %s", max, got)
		}
	}
	var want []string
	for _, k := range all {
		if strings.Count(k, "/") > 1 {
			k = k[:5] // k/NN/
			if slices.Contains(want, k) {
				continue
			}
		}
		want = append(want, k)
	}
	for _, max := range []int{1, 2, 4, 1000} {
		got := pages(t, s, artifact.ListOptions{Prefix: "k/", Delimiter: "/", Max: max})
		if got != strings.Join(want, ",") {
			t.Fatalf("pages of %d with a delimiter = %s, want %s", max, got, strings.Join(want, ","))
		}
	}
}

// pages lists every page and joins the keys and prefixes in page order,
// checking each page's size and that only the last is not truncated.
func pages(t *testing.T, s artifact.Store, opts artifact.ListOptions) string {
	t.Helper()
	var out []string
	for range 1000 {
		l, err := s.List(ctx, "pages", opts)
		wantNoErr(t, "list page", err)
		n := len(l.Objects) + len(l.Prefixes)
		if n > opts.PageSize() || l.Truncated && n == 0 {
			t.Fatalf("page of %d entries with Max %d", n, opts.Max)
		}
		out = append(out, entries(l)...)
		if !l.Truncated {
			return strings.Join(out, ",")
		}
		opts.After = l.NextKey
	}
	t.Fatal("listing never ends")
	return ""
}

func exerciseListVersions(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "lvers", true)
	var want []string
	for _, k := range []string{"x", "y/1", "y/2", "z"} {
		var ids []string
		for i := range 3 {
			ids = append(ids, mustPut(t, s, "lvers", k, fmt.Sprint(k, i)).VersionID)
		}
		if k == "y/2" {
			m, err := s.Delete(ctx, "lvers", k, "")
			wantNoErr(t, "delete", err)
			ids = append(ids, m.VersionID)
		}
		for i := len(ids) - 1; i >= 0; i-- {
			want = append(want, k+"@"+ids[i]+map[bool]string{true: "*"}[i == len(ids)-1])
		}
	}
	sizes := []int{1, 2, 5, 1000}
	if lacking(t, s, CheckVersionPages) {
		sizes = []int{1000}
	}
	for _, max := range sizes {
		opts := artifact.ListOptions{Max: max}
		var got []string
		for page := 0; ; page++ {
			if page > 100 {
				t.Fatalf("listing versions in pages of %d never ends", max)
			}
			l, err := s.ListVersions(ctx, "lvers", opts)
			wantNoErr(t, "list versions", err)
			if len(l.Objects) > max {
				t.Fatalf("page of %d versions with Max %d", len(l.Objects), max)
			}
			for _, o := range l.Objects {
				got = append(got, o.Key+"@"+o.VersionID+map[bool]string{true: "*"}[o.Latest])
			}
			if !l.Truncated {
				break
			}
			opts.After, opts.AfterVersion = l.NextKey, l.NextVersion
		}
		if g, w := sameVersions(t, s, got, strings.Join(want, ",")); g != w {
			t.Fatalf("versions in pages of %d =\n%s\nwant\n%s", max, g, w)
		}
	}
	l, err := s.ListVersions(ctx, "lvers", artifact.ListOptions{Delimiter: "/"})
	wantNoErr(t, "list versions with a delimiter", err)
	if got := strings.Join(l.Prefixes, ","); got != "y/" || len(l.Objects) != 6 {
		t.Fatalf("versions with a delimiter: %d objects, prefixes %s", len(l.Objects), got)
	}
}

func objectKeys(l artifact.Listing) string {
	var keys []string
	for _, o := range l.Objects {
		keys = append(keys, o.Key)
	}
	return strings.Join(keys, ",")
}

// entries merges a page's objects and prefixes in key order.
func entries(l artifact.Listing) []string {
	var out []string
	for _, o := range l.Objects {
		out = append(out, o.Key)
	}
	out = append(out, l.Prefixes...)
	slices.Sort(out)
	return out
}
