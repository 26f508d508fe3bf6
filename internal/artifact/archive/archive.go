// Package archive zips and unzips directory trees, the form CodePipeline
// artifacts travel in between actions.
//
// Zip is deterministic for the same tree: entries go in byte order of
// their slash-separated paths and keep their files' modes and times.
// Symbolic links are not stored as links: a link to a regular file inside
// the tree is stored as that file (its content and mode under the link's
// name), and any other link (to a directory, outside the tree, dangling)
// is skipped, so an archive never carries a host file from outside.
//
// Unzip trusts nothing in an archive: it refuses entries that would land
// outside the target (absolute paths, ".." elements, writes through a
// link) and links that lead outside it, and it stops at a total size.
package archive

import "errors"

// Errors Unzip returns, wrapped with the entry at fault.
var (
	ErrUnsafePath = errors.New("archive: entry escapes the target directory")
	ErrTooLarge   = errors.New("archive: uncompressed size over the limit")
)

// DefaultMaxSize is the uncompressed size Unzip accepts at most.
const DefaultMaxSize = 10 << 30
