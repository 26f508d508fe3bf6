package archive

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// maxLinkTarget bounds what a link entry may hold: a path, not content.
const maxLinkTarget = 4096

// Unzip extracts the zip archive r (of size bytes) into dir, writing at
// most DefaultMaxSize bytes.
func Unzip(r io.ReaderAt, size int64, dir string) error {
	return UnzipMax(r, size, dir, DefaultMaxSize)
}

// UnzipMax extracts the zip archive r (of size bytes) into dir, creating
// it if needed, and returns ErrTooLarge once the content written would
// pass maxSize bytes, counting what is written, not what the archive
// claims. Files keep their permission bits (so executables stay so, but
// never setuid) and times; directories are at least owner-writable.
// Links are made last, after every file, and each must stay inside dir
// even through the links before it; no entry is written through a link.
// On error dir may hold part of the archive: extract into a directory of
// its own and drop it on failure.
func UnzipMax(r io.ReaderAt, size int64, dir string, maxSize int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are checked below
		return fmt.Errorf("unzip: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unzip: %w", err)
	}
	x := extractor{dir: dir, budget: maxSize}
	var links []*zip.File
	for _, f := range zr.File {
		if f.Mode()&fs.ModeSymlink != 0 {
			links = append(links, f)
			continue
		}
		if err := x.extract(f); err != nil {
			return fmt.Errorf("unzip %s: %w", f.Name, err)
		}
	}
	for _, f := range links {
		if err := x.link(f); err != nil {
			return fmt.Errorf("unzip %s: %w", f.Name, err)
		}
	}
	return nil
}

// extractor writes entries under dir while budget lasts.
type extractor struct {
	dir    string
	budget int64
}

func (x *extractor) extract(f *zip.File) error {
	name, err := cleanName(f.Name)
	if err != nil {
		return err
	}
	target, err := x.target(name)
	if err != nil {
		return err
	}
	if f.Mode().IsDir() {
		return os.MkdirAll(target, f.Mode().Perm()|0o700)
	}
	if f.UncompressedSize64 > uint64(x.budget) {
		return fmt.Errorf("%w: %d bytes left, the entry says %d", ErrTooLarge, x.budget, f.UncompressedSize64)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	if err := x.writeFile(f, target); err != nil {
		return err
	}
	return os.Chtimes(target, f.Modified, f.Modified)
}

// target is where name goes under dir, after checking that no element of
// it is a link already there: writing through one could land anywhere.
func (x *extractor) target(name string) (string, error) {
	p := x.dir
	for _, elem := range strings.Split(name, "/") {
		p = filepath.Join(p, elem)
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("%w: %q goes through a link", ErrUnsafePath, name)
		}
	}
	return filepath.Join(x.dir, filepath.FromSlash(name)), nil
}

func (x *extractor) writeFile(f *zip.File, target string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	perm := f.Mode().Perm() | 0o600
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(rc, x.budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	x.budget -= n
	if err == nil && x.budget < 0 {
		err = fmt.Errorf("%w: more than the limit", ErrTooLarge)
	}
	if err != nil {
		return err
	}
	return os.Chmod(target, perm) // the umask may have taken bits away
}

// link makes a link entry, refusing targets that lead outside dir:
// absolute ones, ones that climb out, and ones that do through links
// made before.
func (x *extractor) link(f *zip.File) error {
	name, err := cleanName(f.Name)
	if err != nil {
		return err
	}
	target, err := readLinkTarget(f)
	if err != nil {
		return err
	}
	if target == "" || filepath.IsAbs(target) || strings.HasPrefix(target, "/") ||
		!filepath.IsLocal(filepath.Join(path.Dir(name), target)) {
		return fmt.Errorf("%w: link to %q", ErrUnsafePath, target)
	}
	at, err := x.target(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
		return err
	}
	if err := os.Symlink(target, at); err != nil {
		return err
	}
	if err := resolveInside(x.dir, name); err != nil {
		os.Remove(at)
		return err
	}
	return nil
}

func readLinkTarget(f *zip.File) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxLinkTarget {
		return "", fmt.Errorf("%w: link target of %d bytes or more", ErrUnsafePath, len(b))
	}
	return string(b), nil
}

// resolveInside follows name under root as the system would, link by
// link, and fails if any step leaves root. A part that does not exist
// yet is taken as written.
func resolveInside(root, name string) error {
	var cur []string // resolved elements below root
	todo := strings.Split(name, "/")
	for hops := 0; len(todo) > 0; {
		elem := todo[0]
		todo = todo[1:]
		switch elem {
		case "", ".":
			continue
		case "..":
			if len(cur) == 0 {
				return fmt.Errorf("%w: %q leads outside", ErrUnsafePath, name)
			}
			cur = cur[:len(cur)-1]
			continue
		}
		p := filepath.Join(append([]string{root}, append(cur, elem)...)...)
		info, err := os.Lstat(p)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			cur = append(cur, elem)
			continue
		}
		if hops++; hops > 40 {
			return fmt.Errorf("%w: %q has too many links", ErrUnsafePath, name)
		}
		t, err := os.Readlink(p)
		if err != nil {
			return err
		}
		if filepath.IsAbs(t) {
			return fmt.Errorf("%w: %q leads to %q", ErrUnsafePath, name, t)
		}
		todo = append(strings.Split(filepath.ToSlash(t), "/"), todo...)
	}
	return nil
}

// cleanName is an archive name as a local, slash-separated path, or
// ErrUnsafePath: absolute names, ".." elements and empty names are
// refused rather than cleaned, as such an archive was made to mislead.
func cleanName(name string) (string, error) {
	trimmed := strings.TrimSuffix(name, "/")
	bad := trimmed == "" || strings.HasPrefix(name, "/") || strings.ContainsRune(name, 0) ||
		slices.Contains(strings.Split(trimmed, "/"), "..") || !filepath.IsLocal(filepath.FromSlash(trimmed))
	if bad {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	return path.Clean(trimmed), nil
}
