package worker

import (
	"github.com/sluice-cd/sluice/internal/engine"
	"github.com/sluice-cd/sluice/internal/wire"
)

// s3Target is the object an S3 source fetches: S3ObjectKey at its latest
// version, unless a StartPipelineExecution override names another key
// (S3_OBJECT_KEY, allowed by AllowOverrideForS3ObjectKey) or a version
// (S3_OBJECT_VERSION_ID).
func s3Target(w *Work, key string) (string, string) {
	value := w.Config(engine.OverrideValueKey)
	switch wire.SourceRevisionType(w.Config(engine.OverrideTypeKey)) {
	case wire.SourceRevisionTypeS3_OBJECT_KEY:
		return value, ""
	case wire.SourceRevisionTypeS3_OBJECT_VERSION_ID:
		return key, value
	}
	return key, ""
}
