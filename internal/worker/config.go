package worker

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the server configuration built-in actions read: where the
// repositories, CodeBuild projects and Lambda functions that pipelines
// name really are on this machine. It is a YAML file (see
// docs/configuration.md); the zero value works for S3 actions and for
// builds whose buildspec is in the source.
type Config struct {
	// Repositories maps a CodeCommit RepositoryName or a
	// CodeStarSourceConnection FullRepositoryId to a git URL or a local path.
	Repositories map[string]string `yaml:"repositories"`
	// Projects are the CodeBuild projects a Build or Test action names.
	Projects map[string]Project `yaml:"projects"`
	// Functions are the Lambda functions an Invoke action names.
	Functions map[string]Function `yaml:"functions"`
	// Custom are commands that work custom action types (`sluice worker`).
	Custom []CustomCommand `yaml:"custom"`
	// ChangeDetection is how often git sources are checked; 0 means 30s.
	ChangeDetection time.Duration `yaml:"changeDetection"`
	// BuildTimeout caps a build of a project without a timeout; 0 means 60m,
	// CodeBuild's default.
	BuildTimeout time.Duration `yaml:"buildTimeout"`
}

// Project is a CodeBuild project.
type Project struct {
	// Buildspec is a path in the primary source, or an inline buildspec;
	// empty means buildspec.yml at the source root.
	Buildspec   string            `yaml:"buildspec"`
	Environment map[string]string `yaml:"environment"`
	Timeout     time.Duration     `yaml:"timeout"`
}

// Function is a Lambda function: a command run with the event on stdin, or
// a URL the event is POSTed to.
type Function struct {
	Command     []string          `yaml:"command"`
	URL         string            `yaml:"url"`
	Environment map[string]string `yaml:"environment"`
	Timeout     time.Duration     `yaml:"timeout"`
}

// CustomCommand works the jobs of one custom action type by running a
// command in a directory holding the unpacked input artifacts.
type CustomCommand struct {
	Category string `yaml:"category"`
	Provider string `yaml:"provider"`
	Version  string `yaml:"version"`
	// Query is the value of the type's queryable property to poll with,
	// as {property: value}, when the type has one.
	Query       map[string]string `yaml:"query"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Timeout     time.Duration     `yaml:"timeout"`
}

// LoadConfig reads a configuration file; unknown keys are errors, so a
// typo fails at startup rather than as a confusing action failure later.
func LoadConfig(path string) (*Config, error) {
	if path == "" {
		return &Config{}, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	c := &Config{}
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("configuration %s: %w", path, err)
	}
	return c, c.check()
}

func (c *Config) check() error {
	for name, f := range c.Functions {
		if (len(f.Command) == 0) == (f.URL == "") {
			return fmt.Errorf("function %s: set exactly one of command and url", name)
		}
	}
	for _, cc := range c.Custom {
		if cc.Category == "" || cc.Provider == "" || cc.Version == "" || len(cc.Command) == 0 {
			return fmt.Errorf("custom command for %s/%s/%s: category, provider, version and command are required", cc.Category, cc.Provider, cc.Version)
		}
	}
	return nil
}

func (c *Config) changeInterval() time.Duration {
	if c == nil || c.ChangeDetection <= 0 {
		return 30 * time.Second
	}
	return c.ChangeDetection
}
