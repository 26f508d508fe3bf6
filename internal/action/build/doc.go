// Package build runs CodeBuild buildspecs (version 0.2) on this machine. It
// serves the built-in "Build/Test CodeBuild" action and "Compute Commands",
// and knows nothing of jobs, pipelines or HTTP: directories go in (the
// sources), directories come out (the artifacts), and a Result tells how the
// build went.
//
// # Phases
//
// The phases install, pre_build, build and post_build run in that order.
// A phase runs its commands, stopping at the first that fails, then its
// finally commands whether or not one failed; it fails if any of them did.
// After a failed phase the build fails, and what runs next follows
// CodeBuild's phase transitions unless the phase says otherwise:
//
//   - on-failure unset: a failed install or pre_build ends the build; a
//     failed build still runs post_build.
//   - on-failure ABORT: the build ends at once.
//   - on-failure CONTINUE: the next phase runs as if nothing had failed.
//
// CODEBUILD_BUILD_SUCCEEDING is 1 until a phase fails and 0 after, so
// post_build can tell.
//
// # One shell session
//
// Buildspec 0.2 promises that the current directory and variables set by a
// command carry over to the commands after it, phases included. Each list
// of commands (a phase's commands, or its finally commands) runs as one
// script in one shell, with allexport on so that plain assignments
// (IMAGE_TAG=...) are kept like exported ones. When the script ends, for
// whatever reason, an EXIT trap writes the environment and the working
// directory to the build's state files; the next script starts from them.
// A command that ends its shell with status 0 (exit 0) ends only itself:
// the commands after it run in a new shell from the state it left. Shell
// functions, aliases and options do not carry over between shells.
// The values named in env.exported-variables are read from the last state.
//
// # Environment
//
// Builds never see the server's own environment, which may hold its
// credentials. A command sees only PATH and LANG (the server's, or
// defaults), HOME and TMPDIR (fresh directories of this build, removed
// after it), then, each overriding the one before: Run.BaseEnv, the
// buildspec's env.variables, Run.Env, and last the values the runner owns
// (CODEBUILD_SRC_DIR, CODEBUILD_SRC_DIR_<name>, CODEBUILD_BUILD_SUCCEEDING).
// Variables from parameter-store or secrets-manager cannot be read here;
// unless Run.Env supplies them, the build fails before any command runs
// rather than run without them.
//
// # Processes
//
// Every process of one build shares one process group, held open by a
// small leader process for the whole build so its id cannot be reused.
// Background processes started by a command keep running into later
// phases, as in CodeBuild. On a timeout or a cancelled context the group
// gets SIGTERM, then SIGKILL after Run.KillGrace; when the build ends,
// whatever is left of the group gets SIGKILL. A process that leaves the
// group (setsid) escapes this.
//
// # Not done here
//
// run-as, proxy, runtime-versions, git-credential-helper, reports, cache,
// batch and the artifacts' s3-prefix are accepted and ignored; Spec.Notes
// says so in the build log. on-failure RETRY and buildspec version 0.1 are
// refused by Parse.
package build
