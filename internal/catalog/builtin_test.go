package catalog

import (
	"slices"
	"testing"

	"github.com/sluice-cd/sluice/internal/wire"
)

// maxDescriptionLen is the model's limit on a property description.
const maxDescriptionLen = 160

func TestBuiltinArtifactCounts(t *testing.T) {
	t.Parallel()
	// The §1.4 table, row by row.
	tests := []struct {
		category       wire.ActionCategory
		owner          wire.ActionOwner
		provider       string
		inMin, inMax   int32
		outMin, outMax int32
	}{
		{wire.ActionCategorySource, wire.ActionOwnerAWS, "S3", 0, 0, 1, 1},
		{wire.ActionCategorySource, wire.ActionOwnerAWS, "CodeCommit", 0, 0, 1, 1},
		{wire.ActionCategorySource, wire.ActionOwnerAWS, "ECR", 0, 0, 1, 1},
		{wire.ActionCategorySource, wire.ActionOwnerAWS, "CodeStarSourceConnection", 0, 0, 1, 1},
		{wire.ActionCategoryBuild, wire.ActionOwnerAWS, "CodeBuild", 1, 5, 0, 5},
		{wire.ActionCategoryTest, wire.ActionOwnerAWS, "CodeBuild", 1, 5, 0, 5},
		{wire.ActionCategoryTest, wire.ActionOwnerAWS, "DeviceFarm", 1, 1, 0, 0},
		{wire.ActionCategoryApproval, wire.ActionOwnerAWS, "Manual", 0, 0, 0, 0},
		{wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "S3", 1, 1, 0, 0},
		{wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "CodeDeploy", 1, 1, 0, 0},
		{wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "ElasticBeanstalk", 1, 1, 0, 0},
		{wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "OpsWorks", 1, 1, 0, 0},
		{wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "ECS", 1, 1, 0, 0},
		{wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "ServiceCatalog", 1, 1, 0, 0},
		{wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "CloudFormation", 0, 10, 0, 1},
		{wire.ActionCategoryInvoke, wire.ActionOwnerAWS, "Lambda", 0, 5, 0, 5},
		{wire.ActionCategoryCompute, wire.ActionOwnerAWS, "Commands", 1, 10, 0, 1},
		{wire.ActionCategoryDeploy, wire.ActionOwnerThirdParty, "AlexaSkillsKit", 1, 2, 0, 0},
	}
	if len(tests) != len(builtinSpecs) {
		t.Errorf("§1.4 table has %d rows, catalogue has %d types", len(tests), len(builtinSpecs))
	}
	for _, tc := range tests {
		name := string(tc.category) + "/" + tc.provider
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			at, ok := findBuiltin(*testTypeID(tc.category, tc.owner, tc.provider))
			if !ok {
				t.Fatalf("%s not in the catalogue", name)
			}
			in, out := at.InputArtifactDetails, at.OutputArtifactDetails
			got := [4]int32{wire.Value(in.MinimumCount), wire.Value(in.MaximumCount), wire.Value(out.MinimumCount), wire.Value(out.MaximumCount)}
			if want := [4]int32{tc.inMin, tc.inMax, tc.outMin, tc.outMax}; got != want {
				t.Errorf("counts (in min, in max, out min, out max) = %v, want %v", got, want)
			}
		})
	}
}

func TestBuiltinRequiredProperties(t *testing.T) {
	t.Parallel()
	// Required keys from §10; every other declared key is optional.
	tests := []struct {
		category wire.ActionCategory
		provider string
		required []string
	}{
		{wire.ActionCategorySource, "S3", []string{"S3Bucket", "S3ObjectKey"}},
		{wire.ActionCategorySource, "CodeCommit", []string{"RepositoryName", "BranchName"}},
		{wire.ActionCategorySource, "ECR", []string{"RepositoryName"}},
		{wire.ActionCategorySource, "CodeStarSourceConnection", []string{"ConnectionArn", "FullRepositoryId", "BranchName"}},
		{wire.ActionCategoryBuild, "CodeBuild", []string{"ProjectName"}},
		{wire.ActionCategoryApproval, "Manual", nil},
		{wire.ActionCategoryDeploy, "S3", []string{"BucketName", "Extract"}},
		{wire.ActionCategoryDeploy, "CodeDeploy", []string{"ApplicationName", "DeploymentGroupName"}},
		{wire.ActionCategoryDeploy, "CloudFormation", []string{"ActionMode", "StackName"}},
		{wire.ActionCategoryInvoke, "Lambda", []string{"FunctionName"}},
		{wire.ActionCategoryCompute, "Commands", nil},
	}
	for _, tc := range tests {
		t.Run(string(tc.category)+"/"+tc.provider, func(t *testing.T) {
			t.Parallel()
			at, ok := findBuiltin(*testTypeID(tc.category, wire.ActionOwnerAWS, tc.provider))
			if !ok {
				t.Fatal("not in the catalogue")
			}
			var got []string
			for _, p := range at.ActionConfigurationProperties {
				if wire.Value(p.Required) {
					got = append(got, wire.Value(p.Name))
				}
			}
			if !slices.Equal(got, tc.required) {
				t.Errorf("required properties = %v, want %v", got, tc.required)
			}
		})
	}
}

func TestBuiltinCatalogueWellFormed(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	for _, at := range builtinActionTypes() {
		id := at.Id
		key := string(id.Category) + "/" + string(id.Owner) + "/" + wire.Value(id.Provider)
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		if wire.Value(id.Version) != "1" {
			t.Errorf("%s has version %q, want 1", key, wire.Value(id.Version))
		}
		if id.Owner == wire.ActionOwnerCustom {
			t.Errorf("%s: built-in types are never Custom", key)
		}
		checkPropertiesWellFormed(t, key, at.ActionConfigurationProperties)
	}
}

// checkPropertiesWellFormed applies the model's and J-1.1's rules on
// configuration properties to a built-in type.
func checkPropertiesWellFormed(t *testing.T, key string, props []wire.ActionConfigurationProperty) {
	t.Helper()
	if len(props) > 10 && key != "Test/AWS/DeviceFarm" {
		// The model allows 10 properties for custom types; Device Farm
		// documents more, and no client validates a built-in's list.
		t.Errorf("%s has %d properties", key, len(props))
	}
	names := make(map[string]bool)
	for _, p := range props {
		n := wire.Value(p.Name)
		if names[n] {
			t.Errorf("%s: property %s twice", key, n)
		}
		names[n] = true
		if p.Required == nil || p.Key == nil || p.Secret == nil {
			t.Errorf("%s: property %s lacks a required boolean", key, n)
		}
		if d := wire.Value(p.Description); d == "" || len(d) > maxDescriptionLen {
			t.Errorf("%s: property %s description has length %d", key, n, len(d))
		}
		if wire.Value(p.Queryable) {
			t.Errorf("%s: property %s is queryable; only custom types have queryable properties", key, n)
		}
	}
}

func TestBuiltinActionTypesReturnsCopies(t *testing.T) {
	t.Parallel()
	first := builtinActionTypes()
	*first[0].Id.Provider = "Changed"
	*first[0].InputArtifactDetails.MaximumCount = 42
	*first[0].ActionConfigurationProperties[0].Name = "Changed"
	first[0].ActionConfigurationProperties[0] = wire.ActionConfigurationProperty{}

	second := builtinActionTypes()
	if got := wire.Value(second[0].Id.Provider); got == "Changed" {
		t.Fatal("changing a returned type changed the catalogue's provider")
	}
	if got := wire.Value(second[0].InputArtifactDetails.MaximumCount); got == 42 {
		t.Fatal("changing a returned type changed the catalogue's counts")
	}
	if got := wire.Value(second[0].ActionConfigurationProperties[0].Name); got == "Changed" || got == "" {
		t.Fatalf("changing a returned type changed the catalogue's properties: %q", got)
	}

	found, _ := findBuiltin(*second[0].Id)
	*found.Id.Provider = "Changed"
	if again, ok := findBuiltin(*second[0].Id); !ok || wire.Value(again.Id.Provider) == "Changed" {
		t.Fatal("changing a found type changed the catalogue")
	}
}

func TestFindBuiltin(t *testing.T) {
	t.Parallel()
	build := *testTypeID(wire.ActionCategoryBuild, wire.ActionOwnerAWS, "CodeBuild")
	tests := []struct {
		name string
		id   wire.ActionTypeId
		want bool
	}{
		{"S-3.3 built-in type is found", build, true},
		{"S-3.3 other version is not found", withVersion(build, "2"), false},
		{"S-3.3 other owner is not found", *testTypeID(wire.ActionCategoryBuild, wire.ActionOwnerCustom, "CodeBuild"), false},
		{"S-3.3 other category is not found", *testTypeID(wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "CodeBuild"), false},
		{"S-3.3 provider is case-sensitive", *testTypeID(wire.ActionCategoryBuild, wire.ActionOwnerAWS, "codebuild"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, ok := findBuiltin(tc.id); ok != tc.want {
				t.Errorf("found = %v, want %v", ok, tc.want)
			}
		})
	}
}

func TestBuiltinV2Only(t *testing.T) {
	t.Parallel()
	if !builtinV2Only(*testTypeID(wire.ActionCategoryCompute, wire.ActionOwnerAWS, "Commands")) {
		t.Error("S-1.11 Commands must be V2 only")
	}
	if builtinV2Only(*testTypeID(wire.ActionCategoryBuild, wire.ActionOwnerAWS, "CodeBuild")) {
		t.Error("S-1.11 CodeBuild must be usable on V1")
	}
}

func TestBuiltinSecretProperties(t *testing.T) {
	t.Parallel()
	at, ok := findBuiltin(*testTypeID(wire.ActionCategoryDeploy, wire.ActionOwnerThirdParty, "AlexaSkillsKit"))
	if !ok {
		t.Fatal("AlexaSkillsKit not in the catalogue")
	}
	var secret []string
	for _, p := range at.ActionConfigurationProperties {
		if wire.Value(p.Secret) {
			secret = append(secret, wire.Value(p.Name))
		}
	}
	if want := []string{"ClientSecret", "RefreshToken"}; !slices.Equal(secret, want) {
		t.Errorf("S-3.10 secret properties = %v, want %v", secret, want)
	}
}

func withVersion(id wire.ActionTypeId, v string) wire.ActionTypeId {
	id.Version = wire.Ptr(v)
	return id
}
