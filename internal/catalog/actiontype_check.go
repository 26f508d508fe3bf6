package catalog

import (
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// checkExecutor accepts the job worker executor only: Sluice has no Lambda
// integration model for custom types. The request is valid, so refusing it
// is a RequestFailedException rather than a ValidationException.
func checkExecutor(e *wire.ActionTypeExecutor) error {
	if e == nil {
		return core.Errorf(core.Validation, "actionType.executor is required")
	}
	if e.Type != wire.ExecutorTypeJobWorker {
		return core.Errorf(core.RequestFailed,
			"Executor type '%s' is not supported: custom action types run on job workers, so executor.type must be JobWorker", e.Type)
	}
	if c := e.Configuration; c != nil && c.LambdaExecutorConfiguration != nil {
		return core.Errorf(core.Validation,
			"executor.configuration.lambdaExecutorConfiguration cannot be set for executor type JobWorker")
	}
	return nil
}

// checkCustomType applies the definition rules of J-1.1 to a normalized
// type. settingsField names the URL templates' parent in messages.
func checkCustomType(t *wire.ActionType, settingsField string) error {
	props := t.ActionConfigurationProperties
	if len(props) > maxTypeProperties {
		return core.Errorf(core.Validation,
			"An action type can have at most %d configuration properties, but this one has %d", maxTypeProperties, len(props))
	}
	byName := make(map[string]*wire.ActionConfigurationProperty, len(props))
	queryable := ""
	for i := range props {
		p := &props[i]
		name := wire.Value(p.Name)
		if _, dup := byName[name]; dup {
			return core.Errorf(core.Validation,
				"Configuration property names must be unique, but '%s' occurs more than once", name)
		}
		byName[name] = p
		if !wire.Value(p.Queryable) {
			continue
		}
		if queryable != "" {
			return core.Errorf(core.Validation,
				"An action type can have at most one queryable configuration property, but both '%s' and '%s' are queryable", queryable, name)
		}
		queryable = name
		if !wire.Value(p.Required) || wire.Value(p.Secret) {
			return core.Errorf(core.Validation,
				"Queryable configuration property '%s' must be required and not secret", name)
		}
	}
	if err := checkTypeArtifactCounts("inputArtifactDetails", t.InputArtifactDetails); err != nil {
		return err
	}
	if err := checkTypeArtifactCounts("outputArtifactDetails", t.OutputArtifactDetails); err != nil {
		return err
	}
	return checkURLTemplates(t.Settings, settingsField, byName)
}

func checkTypeArtifactCounts(field string, a *wire.ArtifactDetails) error {
	lo, hi := wire.Value(a.MinimumCount), wire.Value(a.MaximumCount)
	if lo < 0 || hi > maxTypeArtifacts {
		return core.Errorf(core.Validation,
			"%s counts must be between 0 and %d, but they are %d to %d", field, maxTypeArtifacts, lo, hi)
	}
	if lo > hi {
		return core.Errorf(core.Validation,
			"%s.minimumCount (%d) must not be greater than maximumCount (%d)", field, lo, hi)
	}
	return nil
}

// checkURLTemplates applies the template part of J-1.1: a {Config:<name>}
// reference must name a required, non-secret configuration property.
func checkURLTemplates(st *wire.ActionTypeSettings, field string, props map[string]*wire.ActionConfigurationProperty) error {
	if st == nil {
		return nil
	}
	templates := []struct {
		member string
		value  *string
	}{
		{"entityUrlTemplate", st.EntityUrlTemplate},
		{"executionUrlTemplate", st.ExecutionUrlTemplate},
		{"revisionUrlTemplate", st.RevisionUrlTemplate},
	}
	for _, tpl := range templates {
		for _, m := range configRef.FindAllStringSubmatch(wire.Value(tpl.value), -1) {
			name := m[1]
			p, ok := props[name]
			switch {
			case !ok:
				return core.Errorf(core.Validation,
					"%s.%s references {Config:%s}, but the action type has no configuration property named '%s'",
					field, tpl.member, name, name)
			case !wire.Value(p.Required) || wire.Value(p.Secret):
				return core.Errorf(core.Validation,
					"%s.%s references {Config:%s}, but URL templates may only use configuration properties that are required and not secret",
					field, tpl.member, name)
			}
		}
	}
	return nil
}
