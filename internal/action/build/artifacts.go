package build

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
)

// ErrNoMatchingPaths is an artifact none of whose patterns matched a
// file, worded as CodeBuild words it.
var ErrNoMatchingPaths = errors.New("no matching artifact paths found")

// CollectArtifacts copies the files the artifacts section names out of
// sourceDir: the primary artifact into outPrimary (skipped when empty),
// and each secondary artifact named in outSecondary into its directory.
// It is CodeBuild's UPLOAD_ARTIFACTS phase: call it after a build, with
// the primary source directory the build ran in. log receives CodeBuild's
// lines on what was expanded and skipped; nil discards them.
//
// As in CodeBuild, a pattern that matches nothing is skipped with a line
// in the log, and an artifact that ends up with no file at all is an
// error wrapping ErrNoMatchingPaths. Output directories are created if
// needed; files already in them are overwritten.
func (s *Spec) CollectArtifacts(sourceDir, outPrimary string, outSecondary map[string]string, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	c := collector{src: sourceDir, log: log}
	for _, dir := range append(slices.Collect(maps.Values(outSecondary)), outPrimary) {
		if abs, err := filepath.Abs(dir); err == nil && dir != "" {
			c.outs = append(c.outs, abs)
		}
	}
	if outPrimary != "" {
		if s.Artifacts == nil || len(s.Artifacts.Files) == 0 {
			return errors.New("the buildspec declares no primary artifact files")
		}
		if err := c.collect(s.Artifacts, outPrimary); err != nil {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(outSecondary)) {
		var a *Artifacts
		if s.Artifacts != nil {
			a = s.Artifacts.Secondary[id]
		}
		if a == nil {
			return fmt.Errorf("the buildspec declares no secondary artifact %q", id)
		}
		if err := c.collect(a, outSecondary[id]); err != nil {
			return fmt.Errorf("secondary artifact %s: %w", id, err)
		}
	}
	return nil
}

// collector copies artifacts out of one source directory.
type collector struct {
	src  string
	outs []string // absolute output directories, never walked into
	log  io.Writer
}

func (c *collector) logf(format string, args ...any) {
	c.log.Write(containerLine(format, args...))
}

// collect copies one artifact's files into out.
func (c *collector) collect(a *Artifacts, out string) error {
	a, err := a.cleaned()
	if err != nil {
		return err
	}
	baseName := a.BaseDirectory
	if baseName == "" {
		baseName = "."
	}
	c.logf("Expanding base directory path: %s", baseName)
	base := filepath.Join(c.src, filepath.FromSlash(a.BaseDirectory))
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		return fmt.Errorf("no matching base directory path found for %s", baseName)
	}
	files, err := c.list(base)
	if err != nil {
		return err
	}
	picked := c.pick(a, files)
	if len(picked) == 0 {
		return ErrNoMatchingPaths
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return c.copyAll(a, base, out, picked)
}

// cleaned returns a copy of a with its paths and patterns checked as Parse
// checks them, for artifacts built in code rather than parsed.
func (a *Artifacts) cleaned() (*Artifacts, error) {
	c := *a
	var err error
	if c.BaseDirectory, err = cleanRel(cmp.Or(a.BaseDirectory, ".")); err != nil {
		return nil, fmt.Errorf("base-directory: %w", err)
	}
	if c.BaseDirectory == "." {
		c.BaseDirectory = ""
	}
	if c.Files, err = cleanPatterns(a.Files); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if c.ExcludePaths, err = cleanPatterns(a.ExcludePaths); err != nil {
		return nil, fmt.Errorf("exclude-paths: %w", err)
	}
	return &c, nil
}

func cleanPatterns(ps []string) ([]string, error) {
	out := make([]string, len(ps))
	for i, p := range ps {
		var err error
		if out[i], err = cleanPattern(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// list returns every non-directory below base, as slash-separated paths
// relative to it, in lexical order.
func (c *collector) list(base string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if slices.Contains(c.outs, p) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(base, p)
		files = append(files, filepath.ToSlash(rel))
		return err
	})
	return files, err
}

// pick returns the files the artifact's patterns match and its
// exclusions do not, logging each pattern as CodeBuild does.
func (c *collector) pick(a *Artifacts, files []string) []string {
	c.logf("Assembling file list")
	seen := make(map[string]bool)
	var picked []string
	for _, pat := range a.Files {
		c.logf("Expanding %s", pat)
		n := 0
		for _, f := range files {
			if !match(pat, f) || matchAny(a.ExcludePaths, f) {
				continue
			}
			n++
			if !seen[f] {
				seen[f] = true
				picked = append(picked, f)
			}
		}
		if n == 0 {
			c.logf("Skipping invalid file path %s", pat)
		}
	}
	slices.Sort(picked)
	return picked
}

// copyAll copies the picked files, flattened when paths are discarded.
// Two files that would land on one name are an error rather than one
// silently replacing the other.
func (c *collector) copyAll(a *Artifacts, base, out string, picked []string) error {
	from := make(map[string]string, len(picked))
	for _, rel := range picked {
		dst := rel
		if a.DiscardPaths {
			dst = path.Base(rel)
		}
		if prev, ok := from[dst]; ok {
			return fmt.Errorf("discard-paths: %s and %s would both be %s", prev, rel, dst)
		}
		from[dst] = rel
		src := filepath.Join(base, filepath.FromSlash(rel))
		if err := c.copyOne(src, filepath.Join(out, filepath.FromSlash(dst)), a.EnableSymlinks); err != nil {
			return err
		}
	}
	return nil
}

// copyOne copies a file with its permission bits. A symbolic link is
// kept as a link when links are enabled; otherwise a link to a file is
// copied as that file, and anything else that is not a regular file is
// skipped with a line in the log.
func (c *collector) copyOne(src, dst string, links bool) error {
	info, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		if links {
			return copyLink(src, dst)
		}
		if info, err = os.Stat(src); err != nil {
			c.logf("Skipping %s: %v", src, err)
			return nil
		}
	}
	if !info.Mode().IsRegular() {
		c.logf("Skipping %s: not a regular file", src)
		return nil
	}
	return copyFile(src, dst, info.Mode().Perm())
}

func copyLink(src, dst string) error {
	target, err := os.Readlink(src)
	if err != nil {
		return err
	}
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Symlink(target, dst)
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm)
}
