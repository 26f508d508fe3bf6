package main

import (
	"cmp"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sluice-cd/sluice/internal/engine"
)

// Config is everything `sluice serve` can be told.
type Config struct {
	Listen          string
	DataDir         string
	CredentialsFile string
	PublicURL       string
	LogLevel        string
	// One credential from the environment, beside or instead of the file.
	AccessKeyID     string
	SecretAccessKey string
	AccountID       string
	// The third-party partner jobs of ThirdParty action types go to
	// (SLUICE_THIRD_PARTY_CLIENT_ID and SLUICE_THIRD_PARTY_CLIENT_TOKEN).
	ThirdPartyClientID    string
	ThirdPartyClientToken string
	// Timeouts of the engine; zero fields take CodePipeline's defaults.
	Timeouts engine.Timeouts
	// Store is the database: a postgres:// URL, or a SQLite file path
	// (default <data dir>/sluice.db).
	Store string
	// Artifacts is where artifacts and the S3 endpoint's buckets live: a
	// directory (default <data dir>/artifacts), or the URL of an
	// S3-compatible service whose keys are SLUICE_ARTIFACTS_ACCESS_KEY_ID
	// and SLUICE_ARTIFACTS_SECRET_ACCESS_KEY (region: ?region=, default
	// us-east-1).
	Artifacts            string
	ArtifactsAccessKeyID string
	ArtifactsSecretKey   string
	// ConfigFile is the server configuration of built-in actions
	// (repositories, CodeBuild projects, Lambda functions).
	ConfigFile string
	// Workers is how many built-in jobs the embedded worker runs at once;
	// 0 turns it off (built-in actions then wait for `sluice worker`).
	Workers int
}

// DefaultConfig is the embedded default: loopback only, state in ./.sluice.
func DefaultConfig() Config {
	return Config{Listen: "127.0.0.1:4747", DataDir: ".sluice", LogLevel: "info", Workers: 4}
}

// envNames maps flags to the environment variables that can set them.
var envNames = map[string]string{
	"listen":           "SLUICE_LISTEN",
	"data-dir":         "SLUICE_DATA_DIR",
	"credentials-file": "SLUICE_CREDENTIALS_FILE",
	"public-url":       "SLUICE_PUBLIC_URL",
	"log-level":        "SLUICE_LOG_LEVEL",
	"store":            "SLUICE_STORE",
	"artifacts":        "SLUICE_ARTIFACTS",
	"config":           "SLUICE_CONFIG",
	"workers":          "SLUICE_WORKERS",
}

// applyEnv sets every flag not given on the command line from its
// environment variable, and reads the environment credential.
func (c *Config) applyEnv(flags *pflag.FlagSet, lookup func(string) (string, bool)) error {
	for flag, env := range envNames {
		if v, ok := lookup(env); ok && !flags.Changed(flag) {
			if err := flags.Set(flag, v); err != nil {
				return fmt.Errorf("%s: %w", env, err)
			}
		}
	}
	c.AccessKeyID, _ = lookup("SLUICE_ACCESS_KEY_ID")
	c.SecretAccessKey, _ = lookup("SLUICE_SECRET_ACCESS_KEY")
	c.AccountID, _ = lookup("SLUICE_ACCOUNT_ID")
	c.ThirdPartyClientID, _ = lookup("SLUICE_THIRD_PARTY_CLIENT_ID")
	c.ThirdPartyClientToken, _ = lookup("SLUICE_THIRD_PARTY_CLIENT_TOKEN")
	c.ArtifactsAccessKeyID, _ = lookup("SLUICE_ARTIFACTS_ACCESS_KEY_ID")
	c.ArtifactsSecretKey, _ = lookup("SLUICE_ARTIFACTS_SECRET_ACCESS_KEY")
	return nil
}

// hasCredentials tells whether signatures are to be verified.
func (c *Config) hasCredentials() bool {
	return c.CredentialsFile != "" || c.AccessKeyID != ""
}

// checkExposure refuses a non-loopback listen address without credentials:
// the open mode accepts any signature, which is only safe on this machine.
func (c *Config) checkExposure() error {
	if c.hasCredentials() {
		return nil
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", c.Listen, err)
	}
	if isLoopback(host) {
		return nil
	}
	return fmt.Errorf("refusing to listen on %s without credentials: anyone who can reach it could use it. "+
		"Configure credentials (--credentials-file, or SLUICE_ACCESS_KEY_ID, SLUICE_SECRET_ACCESS_KEY and SLUICE_ACCOUNT_ID) "+
		"or listen on a loopback address such as 127.0.0.1", c.Listen)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && addr.IsLoopback()
}

// timeouts fills the zero fields of c.Timeouts with the defaults.
func (c *Config) timeouts() engine.Timeouts {
	t, d := c.Timeouts, engine.DefaultTimeouts
	t.Approval = cmp.Or(t.Approval, d.Approval)
	t.Custom = cmp.Or(t.Custom, d.Custom)
	t.Action = cmp.Or(t.Action, d.Action)
	t.Ack = cmp.Or(t.Ack, d.Ack)
	t.Sweep = cmp.Or(t.Sweep, d.Sweep)
	t.Credentials = cmp.Or(t.Credentials, d.Credentials)
	t.Lease = cmp.Or(t.Lease, d.Lease)
	return t
}

// thirdPartyClient is the configured partner; its id defaults to
// "sluice-partner" so jobs always name one.
func (c *Config) thirdPartyClient() engine.ThirdPartyClient {
	return engine.ThirdPartyClient{ClientID: cmp.Or(c.ThirdPartyClientID, "sluice-partner"), Token: c.ThirdPartyClientToken}
}
