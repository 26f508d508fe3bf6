package archive

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// entry is a file or directory to store: its name in the archive and the
// file (after any link) it comes from.
type entry struct {
	name string
	path string
	info fs.FileInfo
}

// Zip writes dir's tree to w as a zip archive.
func Zip(w io.Writer, dir string) error {
	return ZipFiles(w, dir, []string{"."})
}

// ZipFiles writes the named files and directories (trees, recursively),
// given relative to baseDir, to w as a zip archive whose names are
// relative to baseDir. A name outside baseDir is an error.
func ZipFiles(w io.Writer, baseDir string, files []string) error {
	base, err := filepath.EvalSymlinks(baseDir)
	if err != nil {
		return fmt.Errorf("zip %s: %w", baseDir, err)
	}
	found := map[string]entry{}
	for _, f := range files {
		if !filepath.IsLocal(f) && filepath.Clean(f) != "." {
			return fmt.Errorf("zip %s: %q is not inside it", baseDir, f)
		}
		if err := collect(base, filepath.Join(base, f), found); err != nil {
			return fmt.Errorf("zip %s: %w", baseDir, err)
		}
	}
	names := make([]string, 0, len(found))
	for name := range found {
		names = append(names, name)
	}
	slices.Sort(names)
	zw := zip.NewWriter(w)
	for _, name := range names {
		if err := add(zw, found[name]); err != nil {
			return fmt.Errorf("zip %s: %s: %w", baseDir, name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zip %s: %w", baseDir, err)
	}
	return nil
}

// collect walks root (inside base) into found, resolving links as the
// package doc says.
func collect(base, root string, found map[string]entry) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(base, p)
		if err != nil || rel == "." {
			return err
		}
		name := filepath.ToSlash(rel)
		if d.Type()&fs.ModeSymlink != 0 {
			if e, ok := linkedFile(base, p, name); ok {
				found[name] = e
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			name += "/"
		} else if !info.Mode().IsRegular() {
			return nil // sockets, devices and pipes have no content to keep
		}
		found[name] = entry{name: name, path: p, info: info}
		return nil
	})
}

// linkedFile follows a link to a regular file inside base.
func linkedFile(base, link, name string) (entry, bool) {
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		return entry{}, false
	}
	rel, err := filepath.Rel(base, target)
	if err != nil || !filepath.IsLocal(rel) {
		return entry{}, false
	}
	info, err := os.Stat(target)
	if err != nil || !info.Mode().IsRegular() {
		return entry{}, false
	}
	return entry{name: name, path: target, info: info}, true
}

func add(zw *zip.Writer, e entry) error {
	hdr, err := zip.FileInfoHeader(e.info)
	if err != nil {
		return err
	}
	hdr.Name = e.name
	if strings.HasSuffix(e.name, "/") {
		hdr.Method = zip.Store
		_, err = zw.CreateHeader(hdr)
		return err
	}
	hdr.Method = zip.Deflate
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	f, err := os.Open(e.path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
