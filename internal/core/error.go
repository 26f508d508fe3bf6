package core

import (
	"errors"
	"fmt"
)

// Code names a failure the way the wire names it: every value is the bare
// name of an AWS exception shape, so the API layer can copy it into __type.
type Code string

// Codes modeled by the CodePipeline API.
const (
	ActionExecutionNotFound       Code = "ActionExecutionNotFoundException"
	ActionNotFound                Code = "ActionNotFoundException"
	ActionTypeNotFound            Code = "ActionTypeNotFoundException"
	ApprovalAlreadyCompleted      Code = "ApprovalAlreadyCompletedException"
	ConcurrentModification        Code = "ConcurrentModificationException"
	ConcurrentExecutionsLimit     Code = "ConcurrentPipelineExecutionsLimitExceededException"
	ConditionNotOverridable       Code = "ConditionNotOverridableException"
	Conflict                      Code = "ConflictException"
	DuplicatedStopRequest         Code = "DuplicatedStopRequestException"
	InvalidActionDeclaration      Code = "InvalidActionDeclarationException"
	InvalidApprovalToken          Code = "InvalidApprovalTokenException"
	InvalidArn                    Code = "InvalidArnException"
	InvalidBlockerDeclaration     Code = "InvalidBlockerDeclarationException"
	InvalidClientToken            Code = "InvalidClientTokenException"
	InvalidJob                    Code = "InvalidJobException"
	InvalidJobState               Code = "InvalidJobStateException"
	InvalidNextToken              Code = "InvalidNextTokenException"
	InvalidNonce                  Code = "InvalidNonceException"
	InvalidStageDeclaration       Code = "InvalidStageDeclarationException"
	InvalidStructure              Code = "InvalidStructureException"
	InvalidTags                   Code = "InvalidTagsException"
	InvalidWebhookAuthentication  Code = "InvalidWebhookAuthenticationParametersException"
	InvalidWebhookFilterPattern   Code = "InvalidWebhookFilterPatternException"
	JobNotFound                   Code = "JobNotFoundException"
	LimitExceeded                 Code = "LimitExceededException"
	NotLatestPipelineExecution    Code = "NotLatestPipelineExecutionException"
	OutputVariablesSizeExceeded   Code = "OutputVariablesSizeExceededException"
	PipelineExecutionNotFound     Code = "PipelineExecutionNotFoundException"
	PipelineExecutionNotStoppable Code = "PipelineExecutionNotStoppableException"
	PipelineExecutionOutdated     Code = "PipelineExecutionOutdatedException"
	PipelineNameInUse             Code = "PipelineNameInUseException"
	PipelineNotFound              Code = "PipelineNotFoundException"
	PipelineVersionNotFound       Code = "PipelineVersionNotFoundException"
	RequestFailed                 Code = "RequestFailedException"
	ResourceNotFound              Code = "ResourceNotFoundException"
	StageNotFound                 Code = "StageNotFoundException"
	StageNotRetryable             Code = "StageNotRetryableException"
	TooManyTags                   Code = "TooManyTagsException"
	UnableToRollbackStage         Code = "UnableToRollbackStageException"
	Validation                    Code = "ValidationException"
	WebhookNotFound               Code = "WebhookNotFoundException"
)

// Codes of the protocol and of authentication, which the model does not list
// but every AWS JSON service answers with.
const (
	UnknownOperation           Code = "UnknownOperationException"
	Serialization              Code = "SerializationException"
	MissingAuthenticationToken Code = "MissingAuthenticationTokenException"
	IncompleteSignature        Code = "IncompleteSignatureException"
	InvalidSignature           Code = "InvalidSignatureException"
	UnrecognizedClient         Code = "UnrecognizedClientException"
	AccessDenied               Code = "AccessDeniedException"
	// NotImplemented answers an operation of the API that a later part of
	// Sluice builds; it is a client error so SDKs do not retry it.
	NotImplemented Code = "UnsupportedOperationException"
	// Internal is the code of every failure that is not the caller's.
	Internal Code = "InternalFailure"
)

// Error is a failure that the caller can act on. Its Message is shown to the
// client as is, so it must never hold internal details.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err when it is or wraps an *Error, and
// Internal for anything else (including nil-free unknown errors).
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the message of err when it is or wraps an *Error, and
// a generic text otherwise, so internal details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// Wrap adds context to internal errors and passes *Error values on as they
// are: their message is meant for the caller.
func Wrap(err error, format string, args ...any) error {
	var ce *Error
	if err == nil || errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
