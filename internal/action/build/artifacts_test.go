package build

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sourceTree makes a source directory with a little of everything.
func sourceTree(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	files := map[string]string{
		"README.md":             "readme",
		".hidden":               "hidden",
		"dist/app.js":           "app",
		"dist/app.js.map":       "map",
		"dist/css/site.css":     "css",
		"dist/css/site.css.map": "map",
		"docs/README.md":        "docs readme",
		"docs/guide.md":         "guide",
		"out/bin/tool":          "#!/bin/sh\n",
	}
	for name, content := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(src, "out/bin/tool"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("README.md", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	return src
}

// tree lists the files below dir, a link marked with "@".
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type()&fs.ModeSymlink != 0 {
			rel += "@"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	return out
}

func TestCollectArtifacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a    Artifacts
		want []string
		err  string // a part of the error
		log  string // a part of the log
	}{
		{name: "everything", a: Artifacts{Files: []string{"**/*"}},
			want: []string{".hidden", "README.md", "dist/app.js", "dist/app.js.map", "dist/css/site.css", "dist/css/site.css.map", "docs/README.md", "docs/guide.md", "link", "out/bin/tool"}},
		{name: "subtree without maps", a: Artifacts{Files: []string{"dist/**/*"}, ExcludePaths: []string{"**/*.map"}},
			want: []string{"dist/app.js", "dist/css/site.css"}},
		{name: "one level", a: Artifacts{Files: []string{"dist/*"}},
			want: []string{"dist/app.js", "dist/app.js.map"}},
		{name: "base directory", a: Artifacts{Files: []string{"**/*"}, BaseDirectory: "dist"},
			want: []string{"app.js", "app.js.map", "css/site.css", "css/site.css.map"}},
		{name: "base directory with exclusion relative to it", a: Artifacts{Files: []string{"**/*"}, BaseDirectory: "dist", ExcludePaths: []string{"css/**"}},
			want: []string{"app.js", "app.js.map"}},
		{name: "discard paths", a: Artifacts{Files: []string{"dist/**/*.css", "docs/guide.md"}, DiscardPaths: true},
			want: []string{"guide.md", "site.css"}},
		{name: "discard paths collision", a: Artifacts{Files: []string{"**/README.md"}, DiscardPaths: true},
			err: "README.md and docs/README.md would both be README.md"},
		{name: "links kept", a: Artifacts{Files: []string{"link"}, EnableSymlinks: true},
			want: []string{"link@"}},
		{name: "unmatched pattern skipped", a: Artifacts{Files: []string{"nope/*", "./README.md"}},
			want: []string{"README.md"}, log: "Skipping invalid file path nope/*"},
		{name: "nothing matched", a: Artifacts{Files: []string{"nope", "dist"}},
			err: "no matching artifact paths found", log: "Skipping invalid file path dist"},
		{name: "everything excluded", a: Artifacts{Files: []string{"*.md"}, ExcludePaths: []string{"*"}},
			err: "no matching artifact paths found"},
		{name: "missing base directory", a: Artifacts{Files: []string{"**/*"}, BaseDirectory: "build"},
			err: "no matching base directory path found for build"},
		{name: "base directory outside", a: Artifacts{Files: []string{"**/*"}, BaseDirectory: "../x"},
			err: "leaves the source directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, out := sourceTree(t), filepath.Join(t.TempDir(), "out")
			var log bytes.Buffer
			err := (&Spec{Artifacts: &tc.a}).CollectArtifacts(src, out, nil, &log)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if got := tree(t, out); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("output = %q, want %q", got, tc.want)
			}
			if !strings.Contains(log.String(), tc.log) {
				t.Errorf("log lacks %q:\n%s", tc.log, log.String())
			}
		})
	}
}

func TestCollectArtifactsContent(t *testing.T) {
	t.Parallel()
	src, out := sourceTree(t), t.TempDir()
	spec := &Spec{Artifacts: &Artifacts{Files: []string{"out/**/*", "link"}}}
	if err := spec.CollectArtifacts(src, out, nil, nil); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(out, "out/bin/tool"))
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("tool: %v, mode %v; want it executable", err, st.Mode())
	}
	if data, _ := os.ReadFile(filepath.Join(out, "link")); string(data) != "readme" {
		t.Errorf("link copied as %q, want the content of the file it points to", data)
	}
}

func TestCollectSecondaryArtifacts(t *testing.T) {
	t.Parallel()
	spec := mustParse(t, `
version: 0.2
phases: {}
artifacts:
  files: [README.md]
  secondary-artifacts:
    docs:
      base-directory: docs
      files: ['*.md']
    web:
      files: [dist/app.js]
      discard-paths: yes
`)
	src, root := sourceTree(t), t.TempDir()
	dirs := map[string]string{"docs": filepath.Join(root, "docs"), "web": filepath.Join(root, "web")}
	if err := spec.CollectArtifacts(src, filepath.Join(root, "primary"), dirs, nil); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string][]string{
		"primary": {"README.md"},
		"docs":    {"README.md", "guide.md"},
		"web":     {"app.js"},
	} {
		if got := tree(t, filepath.Join(root, dir)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %q, want %q", dir, got, want)
		}
	}
	err := spec.CollectArtifacts(src, "", map[string]string{"nope": t.TempDir()}, nil)
	if err == nil || !strings.Contains(err.Error(), `no secondary artifact "nope"`) {
		t.Errorf("unknown secondary artifact: %v", err)
	}
	err = spec.CollectArtifacts(src, "", map[string]string{"web": t.TempDir()}, nil)
	if err != nil {
		t.Errorf("secondary only: %v", err)
	}
}

func TestCollectArtifactsErrors(t *testing.T) {
	t.Parallel()
	src := sourceTree(t)
	err := (&Spec{}).CollectArtifacts(src, t.TempDir(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no primary artifact") {
		t.Errorf("no artifacts section: %v", err)
	}
	spec := &Spec{Artifacts: &Artifacts{Secondary: map[string]*Artifacts{"a": {Files: []string{"nope"}}}}}
	err = spec.CollectArtifacts(src, "", map[string]string{"a": t.TempDir()}, nil)
	if !errors.Is(err, ErrNoMatchingPaths) || !strings.Contains(err.Error(), "secondary artifact a") {
		t.Errorf("secondary with nothing matched: %v", err)
	}
}

// An output directory inside the sources is not collected into itself.
func TestCollectArtifactsOutputInSource(t *testing.T) {
	t.Parallel()
	src := sourceTree(t)
	out := filepath.Join(src, "artifact")
	spec := &Spec{Artifacts: &Artifacts{Files: []string{"**/*.md"}}}
	for range 2 {
		if err := spec.CollectArtifacts(src, out, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := tree(t, out), []string{"README.md", "docs/README.md", "docs/guide.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("output = %q, want %q", got, want)
	}
}

// The build's own commands produce the files, and the build and the
// collection agree on the source directory.
func TestBuildThenCollect(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	spec := mustParse(t, `
version: 0.2
phases:
  build:
    commands:
      - mkdir -p target && cd target && echo jar > app.jar
artifacts:
  base-directory: target
  files: ['*.jar']
`)
	var log bytes.Buffer
	res, err := (&Run{Spec: spec, SourceDir: src, Log: &log}).Execute(t.Context())
	if err != nil || !res.Succeeded() {
		t.Fatalf("build: %v %+v\n%s", err, res, log.String())
	}
	if err := spec.CollectArtifacts(src, out, nil, &log); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, out); !reflect.DeepEqual(got, []string{"app.jar"}) {
		t.Errorf("output = %q", got)
	}
}
