package build

// Spec is a buildspec. Parse fills one from YAML; Compute Commands builds
// one in code from its action configuration.
type Spec struct {
	Env    Env
	Phases Phases
	// Artifacts is the artifacts section, nil when there is none.
	Artifacts *Artifacts
	// Notes name the settings Parse accepted but this runner does not act
	// on, one line each; Execute writes them to the build log so nobody
	// wonders why a run-as or a cache had no effect.
	Notes []string
}

// Env is the buildspec's env section.
type Env struct {
	// Shell is "bash" or "sh"; empty leaves the choice to Run.Shell.
	Shell string
	// Variables are env.variables, the build's own variables of lowest
	// precedence (see the package doc).
	Variables map[string]string
	// ParameterStore and SecretsManager map a variable to the parameter or
	// secret it would be read from. Neither can be read locally.
	ParameterStore map[string]string
	SecretsManager map[string]string
	// ExportedVariables are the variables whose values at the end of the
	// build become Result.Exported.
	ExportedVariables []string
}

// Phases holds the four phases; nil means the buildspec leaves it out.
type Phases struct {
	Install   *Phase
	PreBuild  *Phase
	Build     *Phase
	PostBuild *Phase
}

// PhaseName is a phase as CodeBuild reports it in a build's phases.
type PhaseName string

// The phases a buildspec declares, plus PROVISIONING where a build fails
// when it cannot get its secrets.
const (
	PhaseProvisioning PhaseName = "PROVISIONING"
	PhaseInstall      PhaseName = "INSTALL"
	PhasePreBuild     PhaseName = "PRE_BUILD"
	PhaseBuild        PhaseName = "BUILD"
	PhasePostBuild    PhaseName = "POST_BUILD"
)

// Phase is one phase of a buildspec.
type Phase struct {
	Commands  []string
	Finally   []string
	OnFailure OnFailure
}

// OnFailure is a phase's on-failure setting.
type OnFailure string

// The on-failure values this runner knows; package doc tells what each does.
const (
	OnFailureDefault  OnFailure = ""
	OnFailureAbort    OnFailure = "ABORT"
	OnFailureContinue OnFailure = "CONTINUE"
)

// Artifacts is the artifacts section, or one of its secondary artifacts.
type Artifacts struct {
	// Files are glob patterns relative to BaseDirectory; "**" as a whole
	// path element matches any number of directories.
	Files []string
	// Name is the artifact's name. Output goes to the caller's
	// directories, so it is only reported.
	Name string
	// BaseDirectory is relative to the primary source directory; output
	// paths are relative to it.
	BaseDirectory string
	// DiscardPaths puts every file at the top of the output.
	DiscardPaths bool
	// ExcludePaths are glob patterns, like Files, of files to leave out.
	ExcludePaths []string
	// EnableSymlinks copies symbolic links as links; otherwise a link to a
	// file is copied as the file.
	EnableSymlinks bool
	// Secondary are the secondary artifacts by identifier; set only on
	// the primary.
	Secondary map[string]*Artifacts
}

// namedPhase pairs a phase with its name, in running order.
type namedPhase struct {
	name  PhaseName
	phase *Phase
}

// list returns the phases in the order they run, nil ones included.
func (p *Phases) list() []namedPhase {
	return []namedPhase{
		{PhaseInstall, p.Install},
		{PhasePreBuild, p.PreBuild},
		{PhaseBuild, p.Build},
		{PhasePostBuild, p.PostBuild},
	}
}

// continuesAfter reports whether the build goes on to the next phase after
// phase name failed with setting f, following CodeBuild's transitions.
func continuesAfter(name PhaseName, f OnFailure) bool {
	switch f {
	case OnFailureContinue:
		return true
	case OnFailureAbort:
		return false
	}
	return name == PhaseBuild
}
