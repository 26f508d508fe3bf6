package catalog

import (
	"strings"

	"github.com/sluice-cd/sluice/internal/wire"
)

// builtinVersion is the version of every built-in action type (§10).
const builtinVersion = "1"

// builtinSpec describes one built-in action type with plain values only.
// The catalogue is kept in this form, and every caller gets freshly built
// wire values, so nothing a caller holds can change the catalogue.
type builtinSpec struct {
	category wire.ActionCategory
	owner    wire.ActionOwner
	provider string
	in, out  countRange
	props    []propSpec
	settings settingsSpec
	// v2Only marks types a V1 pipeline may not use (S-1.11).
	v2Only bool
}

// countRange is an inclusive artifact count range (§1.4).
type countRange struct{ min, max int32 }

// propSpec is one configuration property of a built-in type.
type propSpec struct {
	name                             string
	required, key, secret, queryable bool
	kind                             wire.ActionConfigurationPropertyType
	desc                             string
}

// settingsSpec holds the URL templates of a type; empty means absent.
type settingsSpec struct {
	thirdParty, entity, execution, revision string
}

// Constructors for the property table below, so each row reads as one line.
func reqKeyProp(name, desc string) propSpec {
	return propSpec{name: name, required: true, key: true, kind: wire.ActionConfigurationPropertyTypeString, desc: desc}
}

func reqProp(name, desc string) propSpec {
	return propSpec{name: name, required: true, kind: wire.ActionConfigurationPropertyTypeString, desc: desc}
}

func reqBoolProp(name, desc string) propSpec {
	return propSpec{name: name, required: true, kind: wire.ActionConfigurationPropertyTypeBoolean, desc: desc}
}

func reqSecretProp(name, desc string) propSpec {
	return propSpec{name: name, required: true, secret: true, kind: wire.ActionConfigurationPropertyTypeString, desc: desc}
}

func optProp(name, desc string) propSpec {
	return propSpec{name: name, kind: wire.ActionConfigurationPropertyTypeString, desc: desc}
}

func optBoolProp(name, desc string) propSpec {
	return propSpec{name: name, kind: wire.ActionConfigurationPropertyTypeBoolean, desc: desc}
}

func optNumberProp(name, desc string) propSpec {
	return propSpec{name: name, kind: wire.ActionConfigurationPropertyTypeNumber, desc: desc}
}

// Configuration properties shared by several providers.
var (
	// codeBuildSettings link a Build or Test CodeBuild action to its project
	// and build.
	codeBuildSettings = settingsSpec{
		entity: "https://console.aws.amazon.com/codebuild/home#/projects/{Config:ProjectName}/view",
		// Builds run here: their logs are served by this server.
		execution: serverURL + "/logs/{ExternalExecutionId}",
	}
	codeBuildProps = []propSpec{
		reqKeyProp("ProjectName", "Name of the build project to run."),
		optProp("PrimarySource", "Input artifact that holds the buildspec, when there are several inputs."),
		optBoolProp("BatchEnabled", "Run the build as a batch build."),
		optBoolProp("CombineArtifacts", "Merge the artifacts of a batch build into one output."),
		optProp("EnvironmentVariables", "JSON array of {name, value, type} overrides for the build."),
	}
	outputFormatProp = optProp("OutputArtifactFormat", "CODE_ZIP (default) or CODEBUILD_CLONE_REF.")
)

// builtinSpecs is the catalogue of built-in action types: configuration
// properties from §10, artifact counts from the §1.4 table. Descriptions are
// ours and kept under the model's 160-character limit.
var builtinSpecs = []builtinSpec{
	{
		category: wire.ActionCategorySource, owner: wire.ActionOwnerAWS, provider: "S3",
		in: countRange{0, 0}, out: countRange{1, 1},
		props: []propSpec{
			reqKeyProp("S3Bucket", "Versioned bucket that holds the source object."),
			reqKeyProp("S3ObjectKey", "Key of the source object to track."),
			optBoolProp("PollForSourceChanges", "Poll the object for changes; true when omitted."),
			optBoolProp("AllowOverrideForS3ObjectKey", "Allow a start to override the object key."),
		},
	},
	{
		category: wire.ActionCategorySource, owner: wire.ActionOwnerAWS, provider: "CodeCommit",
		in: countRange{0, 0}, out: countRange{1, 1},
		props: []propSpec{
			reqKeyProp("RepositoryName", "Repository to read."),
			reqKeyProp("BranchName", "Branch to track."),
			optBoolProp("PollForSourceChanges", "Poll the branch for changes; true when omitted."),
			outputFormatProp,
		},
		settings: settingsSpec{
			entity:    "https://console.aws.amazon.com/codecommit/home#/repository/{Config:RepositoryName}/browse/{Config:BranchName}/--/",
			execution: "https://console.aws.amazon.com/codecommit/home#/repository/{Config:RepositoryName}/commit/{ExternalExecutionId}",
		},
	},
	{
		category: wire.ActionCategorySource, owner: wire.ActionOwnerAWS, provider: "ECR",
		in: countRange{0, 0}, out: countRange{1, 1},
		props: []propSpec{
			reqKeyProp("RepositoryName", "Image repository to track."),
			optProp("ImageTag", "Image tag to track; latest when omitted."),
		},
	},
	{
		category: wire.ActionCategorySource, owner: wire.ActionOwnerAWS, provider: "CodeStarSourceConnection",
		in: countRange{0, 0}, out: countRange{1, 1},
		props: []propSpec{
			reqKeyProp("ConnectionArn", "Connection to the repository host."),
			reqKeyProp("FullRepositoryId", "Repository as owner/name."),
			reqKeyProp("BranchName", "Branch to track."),
			outputFormatProp,
			optBoolProp("DetectChanges", "Start the pipeline on pushes; true when omitted."),
		},
	},
	{
		category: wire.ActionCategoryBuild, owner: wire.ActionOwnerAWS, provider: "CodeBuild",
		in: countRange{1, 5}, out: countRange{0, 5},
		props:    codeBuildProps,
		settings: codeBuildSettings,
	},
	{
		category: wire.ActionCategoryTest, owner: wire.ActionOwnerAWS, provider: "CodeBuild",
		in: countRange{1, 5}, out: countRange{0, 5},
		props:    codeBuildProps,
		settings: codeBuildSettings,
	},
	{
		category: wire.ActionCategoryTest, owner: wire.ActionOwnerAWS, provider: "DeviceFarm",
		in: countRange{1, 1}, out: countRange{0, 0},
		props: deviceFarmProps,
	},
	{
		category: wire.ActionCategoryApproval, owner: wire.ActionOwnerAWS, provider: "Manual",
		in: countRange{0, 0}, out: countRange{0, 0},
		props: []propSpec{
			optProp("NotificationArn", "SNS topic told when approval is needed."),
			optProp("CustomData", "Comments shown to approvers."),
			optProp("ExternalEntityLink", "Link for approvers to review."),
		},
	},
	{
		category: wire.ActionCategoryDeploy, owner: wire.ActionOwnerAWS, provider: "S3",
		in: countRange{1, 1}, out: countRange{0, 0},
		props: []propSpec{
			reqKeyProp("BucketName", "Bucket to deploy to."),
			reqBoolProp("Extract", "Unzip the artifact before upload."),
			optProp("ObjectKey", "Key of the uploaded object; needed when Extract is false."),
			optProp("KMSEncryptionKeyARN", "Symmetric KMS key for the uploaded objects."),
			optProp("CannedACL", "Canned ACL applied to the uploaded objects."),
			optProp("CacheControl", "Cache-Control header of the uploaded objects."),
		},
	},
	{
		category: wire.ActionCategoryDeploy, owner: wire.ActionOwnerAWS, provider: "CodeDeploy",
		in: countRange{1, 1}, out: countRange{0, 0},
		props: []propSpec{
			reqKeyProp("ApplicationName", "CodeDeploy application."),
			reqKeyProp("DeploymentGroupName", "Deployment group of the application."),
		},
	},
	{
		category: wire.ActionCategoryDeploy, owner: wire.ActionOwnerAWS, provider: "ElasticBeanstalk",
		in: countRange{1, 1}, out: countRange{0, 0},
		props: []propSpec{
			reqKeyProp("ApplicationName", "Elastic Beanstalk application."),
			reqKeyProp("EnvironmentName", "Environment to deploy to."),
		},
	},
	{
		category: wire.ActionCategoryDeploy, owner: wire.ActionOwnerAWS, provider: "CloudFormation",
		in: countRange{0, 10}, out: countRange{0, 1},
		props: []propSpec{
			reqProp("ActionMode", "Stack or change set operation to perform."),
			reqKeyProp("StackName", "Stack to operate on."),
			optProp("Capabilities", "Capabilities the template is allowed to use."),
			optProp("ChangeSetName", "Change set to create or execute."),
			optProp("RoleArn", "Role the stack operation runs as."),
			optProp("TemplatePath", "Template file as artifact::path."),
			optProp("OutputFileName", "File that receives the stack outputs."),
			optProp("ParameterOverrides", "JSON object of template parameter values."),
			optProp("TemplateConfiguration", "Configuration file as artifact::path."),
		},
	},
	{
		category: wire.ActionCategoryDeploy, owner: wire.ActionOwnerAWS, provider: "ECS",
		in: countRange{1, 1}, out: countRange{0, 0},
		props: []propSpec{
			reqKeyProp("ClusterName", "Cluster that runs the service."),
			reqKeyProp("ServiceName", "Service to update."),
			optProp("FileName", "Image definitions file; imagedefinitions.json when omitted."),
			optNumberProp("DeploymentTimeout", "Minutes to wait for the deployment."),
		},
	},
	{
		category: wire.ActionCategoryDeploy, owner: wire.ActionOwnerAWS, provider: "ServiceCatalog",
		in: countRange{1, 1}, out: countRange{0, 0},
		props: []propSpec{
			reqKeyProp("ProductId", "Product to publish a version of."),
			optProp("ConfigurationFilePath", "Product configuration file in the input artifact."),
			optProp("TemplateFilePath", "Template file in the input artifact."),
			optProp("ProductVersionName", "Name of the new product version."),
			optProp("ProductType", "Type of the product."),
			optProp("ProductVersionDescription", "Description of the new product version."),
		},
	},
	{
		category: wire.ActionCategoryDeploy, owner: wire.ActionOwnerAWS, provider: "OpsWorks",
		in: countRange{1, 1}, out: countRange{0, 0},
		props: []propSpec{
			reqKeyProp("Stack", "Stack to deploy to."),
			reqKeyProp("App", "App to deploy."),
			optProp("Layer", "Layer to deploy to."),
		},
	},
	{
		category: wire.ActionCategoryInvoke, owner: wire.ActionOwnerAWS, provider: "Lambda",
		in: countRange{0, 5}, out: countRange{0, 5},
		props: []propSpec{
			reqKeyProp("FunctionName", "Function to invoke."),
			optProp("UserParameters", "Free text passed to the function."),
		},
		settings: settingsSpec{
			entity: "https://console.aws.amazon.com/lambda/home#/functions/{Config:FunctionName}",
		},
	},
	{
		// The commands live in ActionDeclaration.commands, not in the
		// configuration (S-3.11).
		category: wire.ActionCategoryCompute, owner: wire.ActionOwnerAWS, provider: "Commands",
		in: countRange{1, 10}, out: countRange{0, 1},
		props: []propSpec{
			optProp("EnvironmentType", "LINUX_CONTAINER (default) or WINDOWS_SERVER_2022_CONTAINER."),
			optProp("ComputeType", "Compute size; BUILD_GENERAL1_SMALL when omitted."),
			optProp("VpcId", "VPC the commands run in."),
			optProp("Subnets", "Subnets of that VPC."),
			optProp("SecurityGroupIds", "Security groups of that VPC."),
		},
		settings: settingsSpec{execution: serverURL + "/logs/{ExternalExecutionId}"},
		v2Only:   true,
	},
	{
		category: wire.ActionCategoryDeploy, owner: wire.ActionOwnerThirdParty, provider: "AlexaSkillsKit",
		in: countRange{1, 2}, out: countRange{0, 0},
		props: []propSpec{
			reqKeyProp("ClientId", "Login with Amazon client id."),
			reqSecretProp("ClientSecret", "Login with Amazon client secret."),
			reqSecretProp("RefreshToken", "Refresh token of the skill developer."),
			reqKeyProp("SkillId", "Skill to deploy."),
		},
	},
}

// deviceFarmProps lists the Device Farm test keys; only the project, device
// pool, app type and test type are always needed.
var deviceFarmProps = []propSpec{
	reqKeyProp("ProjectId", "Device Farm project."),
	reqProp("DevicePoolArn", "Device pool to test on."),
	reqProp("AppType", "Kind of app under test."),
	optProp("App", "App file in the input artifact."),
	reqProp("TestType", "Kind of test to run."),
	optProp("Test", "Test package in the input artifact."),
	optNumberProp("FuzzEventCount", "Number of fuzz events."),
	optNumberProp("FuzzEventThrottle", "Milliseconds between fuzz events."),
	optNumberProp("FuzzRandomizerSeed", "Seed of the fuzz randomizer."),
	optProp("CustomHostMachineArtifacts", "Host paths to keep after the test."),
	optProp("CustomDeviceArtifacts", "Device paths to keep after the test."),
	optBoolProp("UnmeteredDevicesOnly", "Use only unmetered devices."),
	optNumberProp("JobTimeoutMinutes", "Minutes before the test job times out."),
	optNumberProp("Latitude", "Device latitude."),
	optNumberProp("Longitude", "Device longitude."),
	optBoolProp("RadioBluetoothEnabled", "Turn Bluetooth on."),
	optBoolProp("RadioGpsEnabled", "Turn GPS on."),
	optBoolProp("RadioNfcEnabled", "Turn NFC on."),
	optBoolProp("RadioWifiEnabled", "Turn Wi-Fi on."),
	optBoolProp("RecordAppPerformanceData", "Record app performance data."),
	optBoolProp("RecordVideo", "Record a video of the test."),
}

// serverURL stands for the server's public URL in built-in URL templates;
// the Service replaces it with its PublicURL before answering.
const serverURL = "{ServerURL}"

// localized is t with serverURL replaced by base in its URL templates.
func localized(t *wire.ActionType, base string) *wire.ActionType {
	if st := t.Settings; st != nil && st.ExecutionUrlTemplate != nil {
		u := strings.ReplaceAll(*st.ExecutionUrlTemplate, serverURL, base)
		st.ExecutionUrlTemplate = &u
	}
	return t
}

// builtinActionTypes returns the built-in catalogue as freshly allocated
// wire values; the caller may change them freely.
func builtinActionTypes() []wire.ActionType {
	out := make([]wire.ActionType, 0, len(builtinSpecs))
	for i := range builtinSpecs {
		out = append(out, builtinSpecs[i].actionType())
	}
	return out
}

// findBuiltin returns a fresh copy of the built-in type with this id.
func findBuiltin(id wire.ActionTypeId) (*wire.ActionType, bool) {
	spec, ok := builtinSpecFor(id)
	if !ok {
		return nil, false
	}
	t := spec.actionType()
	return &t, true
}

// builtinV2Only reports whether id is a built-in type that only V2
// pipelines may use (S-1.11: the Commands action).
func builtinV2Only(id wire.ActionTypeId) bool {
	spec, ok := builtinSpecFor(id)
	return ok && spec.v2Only
}

func builtinSpecFor(id wire.ActionTypeId) (*builtinSpec, bool) {
	if wire.Value(id.Version) != builtinVersion {
		return nil, false
	}
	for i := range builtinSpecs {
		s := &builtinSpecs[i]
		if s.category == id.Category && s.owner == id.Owner && s.provider == wire.Value(id.Provider) {
			return s, true
		}
	}
	return nil, false
}

// actionType builds the wire form of s, sharing no memory with s.
func (s *builtinSpec) actionType() wire.ActionType {
	t := wire.ActionType{
		Id: &wire.ActionTypeId{
			Category: s.category,
			Owner:    s.owner,
			Provider: wire.Ptr(s.provider),
			Version:  wire.Ptr(builtinVersion),
		},
		Settings:              s.settings.wire(),
		InputArtifactDetails:  s.in.wire(),
		OutputArtifactDetails: s.out.wire(),
	}
	if len(s.props) > 0 {
		t.ActionConfigurationProperties = make([]wire.ActionConfigurationProperty, len(s.props))
		for i, p := range s.props {
			t.ActionConfigurationProperties[i] = p.wire()
		}
	}
	return t
}

func (r countRange) wire() *wire.ArtifactDetails {
	return &wire.ArtifactDetails{MinimumCount: wire.Ptr(r.min), MaximumCount: wire.Ptr(r.max)}
}

func (p propSpec) wire() wire.ActionConfigurationProperty {
	return wire.ActionConfigurationProperty{
		Name:        wire.Ptr(p.name),
		Required:    wire.Ptr(p.required),
		Key:         wire.Ptr(p.key),
		Secret:      wire.Ptr(p.secret),
		Queryable:   wire.Ptr(p.queryable),
		Description: wire.Ptr(p.desc),
		Type:        p.kind,
	}
}

// wire returns nil when s has no template, so the member is omitted.
func (s settingsSpec) wire() *wire.ActionTypeSettings {
	if s == (settingsSpec{}) {
		return nil
	}
	return &wire.ActionTypeSettings{
		ThirdPartyConfigurationUrl: nonEmptyPtr(s.thirdParty),
		EntityUrlTemplate:          nonEmptyPtr(s.entity),
		ExecutionUrlTemplate:       nonEmptyPtr(s.execution),
		RevisionUrlTemplate:        nonEmptyPtr(s.revision),
	}
}

func nonEmptyPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
