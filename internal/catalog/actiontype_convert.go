package catalog

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// storedActionType is the stored document of a custom action type: the JSON
// of the wire.ActionType shape, which every reader of the store may decode
// as such, plus the members of ActionTypeDeclaration that the older shape
// cannot hold. Those are present only once UpdateActionType set them, and
// readers that decode a wire.ActionType simply ignore them.
type storedActionType struct {
	wire.ActionType
	Description *string                     `json:"description,omitempty"`
	Executor    *wire.ActionTypeExecutor    `json:"executor,omitempty"`
	Permissions *wire.ActionTypePermissions `json:"permissions,omitempty"`
	// PropertyDescriptions keeps descriptions of properties that are longer
	// than ActionConfigurationProperty allows (160; the declaration allows
	// 250), so that ListActionTypes never returns an over-long description.
	PropertyDescriptions map[string]string `json:"propertyDescriptions,omitempty"`
}

// decodeActionType reads a stored definition.
func decodeActionType(def []byte) (*storedActionType, error) {
	var t storedActionType
	if err := json.Unmarshal(def, &t); err != nil {
		return nil, fmt.Errorf("decode action type: %w", err)
	}
	return &t, nil
}

// coreTypeID is the store's key of a wire action type id.
func coreTypeID(id *wire.ActionTypeId) core.ActionTypeID {
	return core.ActionTypeID{
		Category: string(id.Category),
		Owner:    string(id.Owner),
		Provider: wire.Value(id.Provider),
		Version:  wire.Value(id.Version),
	}
}

// wireTypeID is the wire form of a store key.
func wireTypeID(id core.ActionTypeID) *wire.ActionTypeId {
	return &wire.ActionTypeId{
		Category: wire.ActionCategory(id.Category),
		Owner:    wire.ActionOwner(id.Owner),
		Provider: wire.Ptr(id.Provider),
		Version:  wire.Ptr(id.Version),
	}
}

// normalizeActionType makes equal definitions encode to equal JSON: every
// boolean of a property is explicit (absent means false in the model), and
// empty settings or property lists are absent. It changes t in place.
func normalizeActionType(t *wire.ActionType) {
	for i := range t.ActionConfigurationProperties {
		p := &t.ActionConfigurationProperties[i]
		p.Required = wire.Ptr(wire.Value(p.Required))
		p.Key = wire.Ptr(wire.Value(p.Key))
		p.Secret = wire.Ptr(wire.Value(p.Secret))
		p.Queryable = wire.Ptr(wire.Value(p.Queryable))
	}
	if len(t.ActionConfigurationProperties) == 0 {
		t.ActionConfigurationProperties = nil
	}
	if st := t.Settings; st != nil && st.ThirdPartyConfigurationUrl == nil && st.EntityUrlTemplate == nil &&
		st.ExecutionUrlTemplate == nil && st.RevisionUrlTemplate == nil {
		t.Settings = nil
	}
	for _, d := range []**wire.ArtifactDetails{&t.InputArtifactDetails, &t.OutputArtifactDetails} {
		if *d == nil {
			*d = &wire.ArtifactDetails{}
		}
		(*d).MinimumCount = wire.Ptr(wire.Value((*d).MinimumCount))
		(*d).MaximumCount = wire.Ptr(wire.Value((*d).MaximumCount))
	}
}

// sameDefinition reports whether two normalized action types are the same
// definition, as CreateCustomActionType's restore rule (J-1.2) needs.
func sameDefinition(a, b *wire.ActionType) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// declarationOf converts an action type to the newer ActionTypeDeclaration
// shape of GetActionType. extra holds what only the newer shape has; nil
// for built-in types. account is the caller's, the poller of custom types.
func declarationOf(t *wire.ActionType, extra *storedActionType, account string) *wire.ActionTypeDeclaration {
	id := wire.ActionTypeId{}
	if t.Id != nil {
		id = *t.Id
	}
	d := &wire.ActionTypeDeclaration{
		Id: &wire.ActionTypeIdentifier{
			Category: id.Category,
			Owner:    wire.Ptr(string(id.Owner)),
			Provider: wire.Ptr(wire.Value(id.Provider)),
			Version:  wire.Ptr(wire.Value(id.Version)),
		},
		Executor:              builtinExecutor(),
		InputArtifactDetails:  declarationCounts(t.InputArtifactDetails),
		OutputArtifactDetails: declarationCounts(t.OutputArtifactDetails),
		Urls:                  declarationURLs(t.Settings),
	}
	if id.Owner == wire.ActionOwnerCustom {
		// Custom types are run by the job workers of their own account.
		d.Executor = &wire.ActionTypeExecutor{
			Type: wire.ExecutorTypeJobWorker,
			Configuration: &wire.ExecutorConfiguration{
				JobWorkerExecutorConfiguration: &wire.JobWorkerExecutorConfiguration{
					PollingAccounts: []string{account},
				},
			},
		}
	}
	var longDesc map[string]string
	if extra != nil {
		d.Description = extra.Description
		d.Permissions = extra.Permissions
		if extra.Executor != nil {
			d.Executor = extra.Executor
		}
		longDesc = extra.PropertyDescriptions
	}
	for _, p := range t.ActionConfigurationProperties {
		desc := p.Description
		if long, ok := longDesc[wire.Value(p.Name)]; ok {
			desc = wire.Ptr(long)
		}
		d.Properties = append(d.Properties, wire.ActionTypeProperty{
			Name:        wire.Ptr(wire.Value(p.Name)),
			Optional:    wire.Ptr(!wire.Value(p.Required)),
			Key:         wire.Ptr(wire.Value(p.Key)),
			NoEcho:      wire.Ptr(wire.Value(p.Secret)),
			Queryable:   wire.Ptr(wire.Value(p.Queryable)),
			Description: desc,
		})
	}
	return d
}

// builtinExecutor is the executor shown for AWS and third-party types: job
// workers that the service itself runs, so no polling account is named.
func builtinExecutor() *wire.ActionTypeExecutor {
	return &wire.ActionTypeExecutor{
		Type: wire.ExecutorTypeJobWorker,
		Configuration: &wire.ExecutorConfiguration{
			JobWorkerExecutorConfiguration: &wire.JobWorkerExecutorConfiguration{},
		},
	}
}

func declarationCounts(a *wire.ArtifactDetails) *wire.ActionTypeArtifactDetails {
	if a == nil {
		a = &wire.ArtifactDetails{}
	}
	return &wire.ActionTypeArtifactDetails{
		MinimumCount: wire.Ptr(wire.Value(a.MinimumCount)),
		MaximumCount: wire.Ptr(wire.Value(a.MaximumCount)),
	}
}

func declarationURLs(s *wire.ActionTypeSettings) *wire.ActionTypeUrls {
	if s == nil {
		return nil
	}
	return &wire.ActionTypeUrls{
		ConfigurationUrl:     s.ThirdPartyConfigurationUrl,
		EntityUrlTemplate:    s.EntityUrlTemplate,
		ExecutionUrlTemplate: s.ExecutionUrlTemplate,
		RevisionUrlTemplate:  s.RevisionUrlTemplate,
	}
}

// maxLegacyDescription is the length limit of ActionConfigurationProperty's
// description; the declaration's property description may be longer.
const maxLegacyDescription = 160

// legacyOf converts an UpdateActionType declaration back to the stored
// shape. old is the stored type it replaces: the declaration has no
// property types, so a property keeps the type it had under the same name.
// The declaration is assumed model-valid; the rules of a custom type are
// checked afterwards on the result.
func legacyOf(d *wire.ActionTypeDeclaration, id core.ActionTypeID, old *wire.ActionType) *storedActionType {
	kinds := make(map[string]wire.ActionConfigurationPropertyType, len(old.ActionConfigurationProperties))
	for _, p := range old.ActionConfigurationProperties {
		kinds[wire.Value(p.Name)] = p.Type
	}
	st := &storedActionType{
		ActionType: wire.ActionType{
			Id:                    wireTypeID(id),
			InputArtifactDetails:  legacyCounts(d.InputArtifactDetails),
			OutputArtifactDetails: legacyCounts(d.OutputArtifactDetails),
		},
		Description: d.Description,
		Executor:    d.Executor,
		Permissions: d.Permissions,
	}
	if u := d.Urls; u != nil {
		st.Settings = &wire.ActionTypeSettings{
			ThirdPartyConfigurationUrl: u.ConfigurationUrl,
			EntityUrlTemplate:          u.EntityUrlTemplate,
			ExecutionUrlTemplate:       u.ExecutionUrlTemplate,
			RevisionUrlTemplate:        u.RevisionUrlTemplate,
		}
	}
	for _, p := range d.Properties {
		name := wire.Value(p.Name)
		desc := p.Description
		if utf8.RuneCountInString(wire.Value(desc)) > maxLegacyDescription {
			if st.PropertyDescriptions == nil {
				st.PropertyDescriptions = map[string]string{}
			}
			st.PropertyDescriptions[name] = *desc
			desc = wire.Ptr(truncateDescription(*desc))
		}
		st.ActionConfigurationProperties = append(st.ActionConfigurationProperties, wire.ActionConfigurationProperty{
			Name:        wire.Ptr(name),
			Required:    wire.Ptr(!wire.Value(p.Optional)),
			Key:         wire.Ptr(wire.Value(p.Key)),
			Secret:      wire.Ptr(wire.Value(p.NoEcho)),
			Queryable:   wire.Ptr(wire.Value(p.Queryable)),
			Description: desc,
			Type:        kinds[name],
		})
	}
	normalizeActionType(&st.ActionType)
	return st
}

// truncateDescription cuts a description to the legacy limit on a rune
// boundary, ending it with an ellipsis.
func truncateDescription(s string) string {
	r := []rune(s)
	if len(r) <= maxLegacyDescription {
		return s
	}
	return string(r[:maxLegacyDescription-1]) + "…"
}

func legacyCounts(a *wire.ActionTypeArtifactDetails) *wire.ArtifactDetails {
	if a == nil {
		return &wire.ArtifactDetails{MinimumCount: wire.Ptr[int32](0), MaximumCount: wire.Ptr[int32](0)}
	}
	return &wire.ArtifactDetails{
		MinimumCount: wire.Ptr(wire.Value(a.MinimumCount)),
		MaximumCount: wire.Ptr(wire.Value(a.MaximumCount)),
	}
}
