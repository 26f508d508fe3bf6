// Package gitsource reads git repositories for the built-in source actions
// (Source/CodeCommit and Source/CodeStarSourceConnection) and for the build
// action that turns a clone reference into a working copy. It knows nothing
// of jobs, pipelines or HTTP: callers hand it a Repo and get commits, zips and
// clones back.
//
// # Locations
//
// A Repo names a location taken from the server's configuration: a local
// repository (a working copy or a bare repository, as a directory path or a
// file:// URL) or a remote one (https, http, ssh or git URL). The caller maps
// an action's repository name to such a location; nothing here accepts a
// location from a pipeline's user. Locations that look like command-line
// options are refused all the same, so a mistake in configuration cannot
// become one.
//
// Everything runs in process through the git library: no git program needs to
// be installed. Local repositories are opened in place, so Head on them reads
// one reference and one commit and copies nothing, which keeps polling cheap.
// Remote repositories are asked for their references, then fetched into
// memory as shallowly as the server allows.
//
// # Output formats
//
// Archive writes CodePipeline's CODE_ZIP format: the files of one commit at
// the root of a zip. CloneRef is the CODEBUILD_CLONE_REF format: a zip holding
// only a description of the commit, which the build action turns into a full
// clone with Clone.
package gitsource
