package core

import "time"

// Execution statuses (PipelineExecutionStatus, behaviour E-6.1).
const (
	StatusInProgress = "InProgress"
	StatusStopping   = "Stopping"
	StatusStopped    = "Stopped"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
	StatusSuperseded = "Superseded"
	StatusCancelled  = "Cancelled"
	StatusAbandoned  = "Abandoned" // actions only
	StatusSkipped    = "Skipped"   // stages only
)

// Where an execution is in its pipeline (Execution.Phase).
const (
	PhaseWaiting = "Waiting" // at the inbound boundary of stage Execution.Stage
	PhaseRunning = "Running" // inside stage Execution.Stage
	PhaseDone    = "Done"    // finished; status is terminal
)

// Halt requests on an execution (Execution.Halt): what stops it from going on.
const (
	HaltStop    = "Stop"    // StopPipelineExecution, let in-progress actions finish
	HaltAbandon = "Abandon" // StopPipelineExecution with abandon
	HaltCancel  = "Cancel"  // the pipeline was updated under it (E-4.12)
)

// Execution is one run of a pipeline: what started it, what it runs with,
// and where it is. The engine is the only writer.
type Execution struct {
	Scope    Scope
	Pipeline string
	ID       string
	// Seq orders executions by creation; the store assigns it on insert.
	Seq             int64
	PipelineVersion int
	Status          string
	Summary         string
	Mode            string // SUPERSEDED, QUEUED, PARALLEL
	Type            string // STANDARD or ROLLBACK
	RollbackTarget  string // for ROLLBACK executions
	TriggerType     string
	TriggerDetail   string
	ClientToken     string
	// Variables are the resolved pipeline-level variables (E-1.4).
	Variables map[string]string `json:",omitempty"`
	// SourceRevisions are the overrides given at start (E-1.3).
	SourceRevisions []SourceRevision `json:",omitempty"`
	// Pinned maps a source action name to the revision it must produce
	// without running: PutActionRevision and rollbacks fix them.
	Pinned map[string]Revision `json:",omitempty"`
	// Sources are the revisions its source actions produced, for
	// artifactRevisions and sourceRevisions without reading every run.
	Sources []SourceRecord `json:",omitempty"`

	Stage      int       // index of the stage it is in or waiting for; len(stages) past the last
	Phase      string    // PhaseWaiting, PhaseRunning, PhaseDone
	Arrived    time.Time // when it reached its current boundary: FIFO order
	OnlyStage  string    // a rollback runs this one stage only
	Halt       string    // HaltStop, HaltAbandon, HaltCancel or ""
	StopReason string

	Created time.Time
	Updated time.Time
}

// Active reports whether the execution has not finished.
func (e *Execution) Active() bool {
	return e.Status == StatusInProgress || e.Status == StatusStopping
}

// SourceRecord is the revision one source action produced.
type SourceRecord struct {
	Action   string
	Artifact string
	Revision Revision
}

// SourceRevision is a revision override of StartPipelineExecution.
type SourceRevision struct {
	ActionName    string
	RevisionType  string
	RevisionValue string
}

// Revision is what a source action produced (or was pinned to produce).
type Revision struct {
	RevisionID       string
	ChangeIdentifier string    `json:",omitempty"`
	Summary          string    `json:",omitempty"`
	Created          time.Time `json:",omitzero"`
	URL              string    `json:",omitempty"`
}

// StageRun is one execution's pass through one stage. Retries reuse it,
// raising Epoch: action runs of older epochs are history.
type StageRun struct {
	Scope       Scope
	Pipeline    string
	ExecutionID string
	Stage       string
	// Seq orders stage runs by when they were first entered; the store
	// assigns it on insert. The highest Seq of a stage is its latest run.
	Seq                int64
	Status             string
	Type               string // STANDARD or ROLLBACK
	Epoch              int
	AutoRetries        int
	ManualRetries      int
	LatestRetryTrigger string `json:",omitempty"`
	PipelineVersion    int
	Updated            time.Time
}

// ActionRun is one execution of one action (an ActionExecution on the wire).
type ActionRun struct {
	Scope       Scope
	Pipeline    string
	ExecutionID string
	ID          string // actionExecutionId
	// Seq orders action runs by start; the store assigns it on insert.
	Seq             int64
	Stage           string
	Action          string
	Epoch           int
	RunOrder        int
	PipelineVersion int
	Type            ActionTypeID
	Namespace       string `json:",omitempty"`
	Region          string `json:",omitempty"`
	RoleARN         string `json:",omitempty"`
	Status          string
	Summary         string `json:",omitempty"`
	ExternalID      string `json:",omitempty"`
	ExternalURL     string `json:",omitempty"`
	Percent         *int   `json:",omitempty"`
	// Token is the approval token of a manual approval.
	Token     string `json:",omitempty"`
	UpdatedBy string `json:",omitempty"`
	// Configuration is the declared configuration; Resolved has the
	// variables substituted (V-4). Both hold secrets in clear.
	Configuration map[string]string `json:",omitempty"`
	Resolved      map[string]string `json:",omitempty"`
	Inputs        []string          `json:",omitempty"` // input artifact names
	Outputs       []string          `json:",omitempty"` // output artifact names
	// Bucket and OutputKeys locate the output artifacts in the artifact
	// store: OutputKeys maps an output artifact name to its object key.
	Bucket     string            `json:",omitempty"`
	OutputKeys map[string]string `json:",omitempty"`
	// InputObjects locates each input artifact, in the run that produced it.
	InputObjects map[string]Object `json:",omitempty"`
	// OutputVariables are the variables the action produced.
	OutputVariables map[string]string `json:",omitempty"`
	// Revision is what a source action produced.
	Revision     *Revision `json:",omitempty"`
	ErrorCode    string    `json:",omitempty"`
	ErrorMessage string    `json:",omitempty"`
	Started      time.Time
	Updated      time.Time
	// Deadline is when the action times out while in progress.
	Deadline time.Time
}

// Job statuses (JobStatus, J-2.1).
const (
	JobQueued     = "Queued"
	JobDispatched = "Dispatched"
	JobInProgress = "InProgress"
	JobSucceeded  = "Succeeded"
	JobFailed     = "Failed"
	JobTimedOut   = "TimedOut"
)

// Job is a unit of work handed to a job worker for an action run. A
// continuation creates a new job for the same action run (J-2.7).
type Job struct {
	Scope       Scope
	ID          string
	Pipeline    string
	ExecutionID string
	ActionRunID string
	Type        ActionTypeID
	Status      string
	Nonce       string
	// QueryValue is the job's value of its type's queryable property.
	QueryValue string
	// ClientID is the third-party client a ThirdParty job is for.
	ClientID string `json:",omitempty"`
	// Data is the JobData document handed to workers, secrets in clear.
	Data []byte
	// AccessKeyID names the artifact credentials of the job's current
	// hand-out (their secret is in Data); CredentialsExpire ends them.
	AccessKeyID       string    `json:",omitempty"`
	CredentialsExpire time.Time `json:",omitzero"`
	Created           time.Time
	Updated           time.Time
	// Deadline: a Dispatched job not acknowledged by then is queued again
	// with a new nonce; an InProgress job not finished by then times out.
	Deadline time.Time
	// LeaseOwner is the instance id of the server whose embedded worker
	// holds the job, "" when none does (queued, or taken by a remote
	// worker). The server renews LeaseExpires while it runs the job; a
	// handed-out job whose lease ran out is queued again, as its server is
	// taken for dead. Stores keep both in columns only, the ones the
	// sweeper queries, not in the job's document.
	LeaseOwner   string    `json:"-"`
	LeaseExpires time.Time `json:"-"`
}

// Object locates an artifact in the artifact store.
type Object struct{ Bucket, Key string }

// LogBucket holds the logs of built-in builds (CodeBuild and Commands
// actions); it belongs to the server, and logs are read at /logs/<build id>.
const LogBucket = "sluice-logs"

// CommandsProject is the project name of the builds of Commands actions.
const CommandsProject = "commands"

// BuildID is the CodeBuild-style id of the build a job runs: the project
// and the job's id. A job run again after its worker died keeps its id, so
// its log is replaced, not duplicated.
func BuildID(project, jobID string) string { return project + ":" + jobID }

// BuildLog is where the log of a build is kept.
func BuildLog(buildID string) Object {
	return Object{Bucket: LogBucket, Key: "builds/" + buildID + ".log"}
}

// Transition is the state of one stage transition (E-3.1).
type Transition struct {
	Scope    Scope
	Pipeline string
	Stage    string
	Kind     string // Inbound or Outbound
	Enabled  bool
	Reason   string
	By       string
	At       time.Time
}

// RevisionSeen records that a source action was given a revision
// (PutActionRevision), and the execution it started.
type RevisionSeen struct {
	Scope       Scope
	Pipeline    string
	Stage       string
	Action      string
	RevisionID  string
	ExecutionID string
	Created     time.Time
}

// PipelineRef names a pipeline across scopes.
type PipelineRef struct {
	Scope Scope
	Name  string
}
