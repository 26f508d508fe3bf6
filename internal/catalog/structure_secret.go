package catalog

import (
	"maps"
	"slices"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// secretMask replaces secret configuration values in everything the API
// returns, and stands for "keep the stored value" in an update (S-3.10).
const secretMask = "****"

// maskSecrets replaces, in place, the value of every configuration property
// whose action type marks it secret with "****" (S-3.10). decl must be the
// caller's deep copy: its configuration maps are written to. Actions of a
// type find does not know are left alone.
func maskSecrets(decl *wire.PipelineDeclaration, find typeFinder) {
	for si := range decl.Stages {
		for ai := range decl.Stages[si].Actions {
			a := &decl.Stages[si].Actions[ai]
			for _, key := range secretKeys(a, find) {
				a.Configuration[key] = secretMask
			}
		}
	}
}

// restoreSecrets implements the update side of S-3.10: where newDecl sends
// "****" for a secret property of an action that oldDecl already has (same
// stage name, action name and action type), the stored value is put back in
// newDecl. "****" anywhere else is an error, since there is nothing to keep.
// oldDecl is nil on CreatePipeline. Renaming a stage therefore drops its
// secrets, as AWS does.
func restoreSecrets(newDecl, oldDecl *wire.PipelineDeclaration, find typeFinder) error {
	old := indexActions(oldDecl)
	for si := range newDecl.Stages {
		s := &newDecl.Stages[si]
		for ai := range s.Actions {
			a := &s.Actions[ai]
			prev := old[actionKey{wire.Value(s.Name), wire.Value(a.Name)}]
			if err := restoreActionSecrets(a, prev, find); err != nil {
				return err
			}
		}
	}
	return nil
}

func restoreActionSecrets(a, prev *wire.ActionDeclaration, find typeFinder) error {
	for _, key := range secretKeys(a, find) {
		if a.Configuration[key] != secretMask {
			continue
		}
		// A secret is only carried over to the same action type, so that
		// changing the provider cannot hand one service's secret to another.
		if prev != nil && sameActionType(actionTypeID(prev), actionTypeID(a)) {
			if v, ok := prev.Configuration[key]; ok {
				a.Configuration[key] = v
				continue
			}
		}
		return core.Errorf(core.InvalidActionDeclaration,
			`Action configuration for the new action "%s" contains an invalid configuration for the secret property "%s". "%s" may be used in secret properties only when updating an existing action.`,
			wire.Value(a.Name), key, secretMask)
	}
	return nil
}

// sameActionType compares two ids by value; their strings are pointers.
func sameActionType(x, y wire.ActionTypeId) bool {
	return x.Category == y.Category && x.Owner == y.Owner &&
		wire.Value(x.Provider) == wire.Value(y.Provider) && wire.Value(x.Version) == wire.Value(y.Version)
}

// actionKey identifies an action across two versions of a pipeline.
type actionKey struct{ stage, action string }

func indexActions(decl *wire.PipelineDeclaration) map[actionKey]*wire.ActionDeclaration {
	idx := make(map[actionKey]*wire.ActionDeclaration)
	if decl == nil {
		return idx
	}
	for si := range decl.Stages {
		s := &decl.Stages[si]
		for ai := range s.Actions {
			a := &s.Actions[ai]
			idx[actionKey{wire.Value(s.Name), wire.Value(a.Name)}] = a
		}
	}
	return idx
}

// secretKeys returns, sorted, the configuration keys of a whose property is
// secret in a's action type.
func secretKeys(a *wire.ActionDeclaration, find typeFinder) []string {
	if len(a.Configuration) == 0 {
		return nil
	}
	t, ok := find(actionTypeID(a))
	if !ok {
		return nil
	}
	secret := make(map[string]bool)
	for _, p := range t.ActionConfigurationProperties {
		if wire.Value(p.Secret) {
			secret[wire.Value(p.Name)] = true
		}
	}
	var keys []string
	for _, k := range slices.Sorted(maps.Keys(a.Configuration)) {
		if secret[k] {
			keys = append(keys, k)
		}
	}
	return keys
}
