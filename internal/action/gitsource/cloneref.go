package gitsource

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// CloneRefFile is the one file of a CODEBUILD_CLONE_REF artifact.
const CloneRefFile = "clone-ref.json"

// cloneRefTime is the time of CloneRefFile in the zip, fixed so the same
// reference always gives the same bytes (the earliest a zip can record).
var cloneRefTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// CloneRef is what a CODEBUILD_CLONE_REF artifact holds: which commit of
// which branch of which repository the build action is to clone. CodePipeline
// hands the build a reference instead of files so that it gets a full clone
// with history; this is that reference. It never carries credentials.
type CloneRef struct {
	// Repository is the source action's name for the repository (its
	// RepositoryName or FullRepositoryId), by which the build action finds
	// the repository in its own configuration.
	Repository string `json:"repository,omitempty"`
	// URL is where the source action read the repository, without
	// credentials: a description, not an address to trust (see Clone).
	URL    string `json:"url"`
	Branch string `json:"branch"`
	Commit string `json:"commit"` // full id
}

// validate checks what Clone relies on.
func (ref CloneRef) validate() error {
	if ref.URL == "" {
		return errors.New("gitsource: clone reference lacks a url")
	}
	if _, err := branchRef(ref.Branch); err != nil {
		return err
	}
	_, err := commitHash(ref.Commit)
	return err
}

// WriteCloneRef writes ref to w as a CODEBUILD_CLONE_REF artifact: a zip
// holding CloneRefFile, a small JSON document. Credentials in ref.URL are
// removed first.
func WriteCloneRef(w io.Writer, ref CloneRef) error {
	if err := ref.validate(); err != nil {
		return err
	}
	ref.URL = redact(ref.URL)
	zw := zip.NewWriter(w)
	hdr := &zip.FileHeader{Name: CloneRefFile, Method: zip.Deflate, Modified: cloneRefTime}
	hdr.SetMode(0o644)
	f, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ref); err != nil {
		return err
	}
	return zw.Close()
}

// ReadCloneRef reads a CODEBUILD_CLONE_REF artifact of size bytes, as
// WriteCloneRef writes it. It fails when the zip holds no CloneRefFile or the
// reference lacks a url, a valid branch or a full commit id.
func ReadCloneRef(ra io.ReaderAt, size int64) (CloneRef, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return CloneRef{}, fmt.Errorf("gitsource: read clone reference: %w", err)
	}
	f, err := zr.Open(CloneRefFile)
	if err != nil {
		return CloneRef{}, fmt.Errorf("gitsource: artifact is not a clone reference: %w", err)
	}
	defer f.Close()
	var ref CloneRef
	if err := json.NewDecoder(f).Decode(&ref); err != nil {
		return CloneRef{}, fmt.Errorf("gitsource: read clone reference: %w", err)
	}
	return ref, ref.validate()
}
