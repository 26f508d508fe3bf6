package gitsource

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Archive writes the files of commit commitID (a full id) to w as a zip, in
// CodePipeline's CODE_ZIP format, and describes the commit.
//
// The zip holds the commit's files at its root and nothing of git's own (no
// .git). Its bytes depend on the commit alone: entries follow the tree's
// order (git's, by name, depth first), directories get no entries of their
// own, and every entry's time is the commit's committer date in UTC.
//
// Modes are kept as Unix modes: 0644 for files, 0755 for executables.
// Symbolic links are stored as zip archives conventionally store them: an
// entry with the link's Unix mode whose content is the target, which
// extractors that honour modes turn back into a link; one that ignores
// modes writes a small file holding the target path, as git does where
// links are unsupported. Submodules are left out (their files belong
// to another repository), as are entries git refuses to check out (".git",
// "." and "..").
//
// Returns ErrCommitNotFound if the repository does not have the commit;
// other errors are Head's. On error, w may hold part of a zip.
func Archive(ctx context.Context, r Repo, commitID string, w io.Writer) (Commit, error) {
	id, err := commitHash(commitID)
	if err != nil {
		return Commit{}, err
	}
	src, err := open(ctx, r)
	if err != nil {
		return Commit{}, err
	}
	c, err := src.commit(ctx, id)
	if err != nil {
		return Commit{}, err
	}
	if err := writeZip(ctx, c, w); err != nil {
		return Commit{}, fmt.Errorf("gitsource: archive commit %s of %s: %w", id, r, err)
	}
	return newCommit(c), nil
}

// writeZip writes c's tree to w.
func writeZip(ctx context.Context, c *object.Commit, w io.Writer) error {
	tree, err := c.Tree()
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	if err := addTree(ctx, zw, tree, "", c.Committer.When.UTC()); err != nil {
		return err
	}
	return zw.Close()
}

// addTree adds the entries of t under prefix, recursing into directories.
func addTree(ctx context.Context, zw *zip.Writer, t *object.Tree, prefix string, mod time.Time) error {
	for _, e := range t.Entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.Mode == filemode.Submodule || refused(e.Name) {
			continue
		}
		name := prefix + e.Name
		if e.Mode == filemode.Dir {
			sub, err := t.Tree(e.Name)
			if err != nil {
				return fmt.Errorf("read directory %s: %w", name, err)
			}
			if err := addTree(ctx, zw, sub, name+"/", mod); err != nil {
				return err
			}
			continue
		}
		if err := addFile(zw, t, e, name, mod); err != nil {
			return fmt.Errorf("add %s: %w", name, err)
		}
	}
	return nil
}

// refused reports names git will not check out, whatever a tree holds.
func refused(name string) bool {
	return name == "." || name == ".." || strings.EqualFold(name, ".git")
}

// addFile adds one file or symbolic link.
func addFile(zw *zip.Writer, t *object.Tree, e object.TreeEntry, name string, mod time.Time) error {
	f, err := t.TreeEntryFile(&e)
	if err != nil {
		return err
	}
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod}
	hdr.SetMode(zipMode(e.Mode))
	if e.Mode == filemode.Symlink {
		hdr.Method = zip.Store
	}
	dst, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	rc, err := f.Reader()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(dst, rc)
	return err
}

// zipMode is the Unix mode a tree entry's mode becomes in the zip.
func zipMode(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Executable:
		return 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	}
	return 0o644
}
