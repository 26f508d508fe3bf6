package worker

import (
	"strings"

	"github.com/sluice-cd/sluice/internal/wire"
)

// Builtins are the providers of the built-in action types Sluice runs.
// Jobs of other built-in types fail with a configuration error saying so.
func Builtins() map[string]Provider {
	return map[string]Provider{
		"Source/S3":                       S3Source{},
		"Source/CodeCommit":               GitSource{RepositoryProperty: "RepositoryName"},
		"Source/CodeStarSourceConnection": GitSource{RepositoryProperty: "FullRepositoryId"},
		"Build/CodeBuild":                 CodeBuild{},
		"Test/CodeBuild":                  CodeBuild{},
		"Compute/Commands":                Commands{},
		"Deploy/S3":                       S3Deploy{},
		"Invoke/Lambda":                   Lambda{},
	}
}

// BuiltinTargets are the types Builtins runs, for a remote worker to poll.
func BuiltinTargets() []Target {
	var out []Target
	for k := range Builtins() {
		cat, prov, _ := strings.Cut(k, "/")
		out = append(out, Target{Type: wire.ActionTypeId{Category: wire.ActionCategory(cat), Owner: wire.ActionOwnerAWS,
			Provider: wire.Ptr(prov), Version: wire.Ptr("1")}})
	}
	return out
}

// CustomProviders are the providers of the configured custom commands.
func (c *Config) CustomProviders() (map[string]Provider, []Target) {
	providers := map[string]Provider{}
	var targets []Target
	for _, cc := range c.Custom {
		id := wire.ActionTypeId{Category: wire.ActionCategory(cc.Category), Owner: wire.ActionOwnerCustom,
			Provider: wire.Ptr(cc.Provider), Version: wire.Ptr(cc.Version)}
		providers[kind(&id)] = Custom{Command: cc}
		targets = append(targets, Target{Type: id, Query: cc.Query})
	}
	return providers, targets
}
