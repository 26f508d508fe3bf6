package wire

// Operation describes one operation of the model.
type Operation struct {
	// Name is the operation name, as in X-Amz-Target: CodePipeline_20150709.<Name>.
	Name string
	// NewInput returns a new, empty input structure to decode the request into.
	NewInput func() Validatable
	// UnitOutput is true for the operations whose output is smithy.api#Unit:
	// they answer with an empty body.
	UnitOutput bool
	// Errors are the names of the modeled error shapes, in model order.
	Errors []string
}
