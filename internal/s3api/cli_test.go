package s3api

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// awsCLI runs the aws command line against one endpoint, with a home,
// configuration and credentials of its own.
type awsCLI struct {
	t    *testing.T
	args []string // before each command: endpoint, CA bundle
	env  []string
	dir  string
}

func newAWSCLI(t *testing.T, b *testBundle) *awsCLI {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the aws command line is not on PATH; install aws-cli to run this test")
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	must(t, os.WriteFile(config, []byte("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n"), 0o600))
	cli := &awsCLI{t: t, dir: dir, args: []string{path, "--endpoint-url", b.srv.URL}}
	if b.srv.TLS != nil {
		ca := filepath.Join(dir, "ca.pem")
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.srv.Certificate().Raw})
		must(t, os.WriteFile(ca, pemBytes, 0o600))
		cli.args = append(cli.args, "--ca-bundle", ca)
	}
	cli.env = append(os.Environ(),
		"HOME="+dir,
		"AWS_CONFIG_FILE="+config,
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
		"AWS_ACCESS_KEY_ID=123456789012",
		"AWS_SECRET_ACCESS_KEY=cli-secret",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
	return cli
}

// run runs one command and returns its standard output.
func (c *awsCLI) run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.args[0], append(slices.Clone(c.args[1:]), args...)...)
	cmd.Env, cmd.Dir = c.env, c.dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("aws %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

func (c *awsCLI) file(name string, data []byte) string {
	p := filepath.Join(c.dir, name)
	must(c.t, os.WriteFile(p, data, 0o600))
	return p
}

// TestAWSCLI drives the endpoint with the aws command line (aws-cli v1 and
// botocore): buckets, small and multipart copies both ways, listings,
// removal and versions. Over plain HTTP it signs each body's SHA-256 and
// sends a CRC32 header; over TLS it streams aws-chunked bodies with a
// CRC32 trailer, and a download of a large object is ranged GETs.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, setupOpts{tls: tr.tls})
			cli := newAWSCLI(t, b)
			small := []byte("a small artifact\n")
			big := content(9<<20 + 12345) // past the 8 MiB multipart threshold

			cli.run("s3", "mb", "s3://cli-bucket")
			cli.run("s3", "cp", cli.file("small.txt", small), "s3://cli-bucket/small.txt")
			cli.run("s3", "cp", cli.file("big.bin", big), "s3://cli-bucket/dir/big.bin")
			if out := cli.run("s3", "ls"); !strings.Contains(out, "cli-bucket") {
				t.Fatalf("s3 ls: %q", out)
			}
			out := cli.run("s3", "ls", "--recursive", "s3://cli-bucket/")
			if !strings.Contains(out, "small.txt") || !strings.Contains(out, "dir/big.bin") || !strings.Contains(out, strconv.Itoa(len(big))) {
				t.Fatalf("s3 ls --recursive: %q", out)
			}
			if out := cli.run("s3", "ls", "s3://cli-bucket/"); !strings.Contains(out, "PRE dir/") {
				t.Fatalf("s3 ls: %q", out)
			}

			cli.run("s3", "cp", "s3://cli-bucket/dir/big.bin", filepath.Join(cli.dir, "big.out"))
			cli.run("s3", "cp", "s3://cli-bucket/small.txt", filepath.Join(cli.dir, "small.out"))
			for name, want := range map[string][]byte{"big.out": big, "small.out": small} {
				got, err := os.ReadFile(filepath.Join(cli.dir, name))
				must(t, err)
				if sum(got) != sum(want) {
					t.Fatalf("%s: %d bytes with another SHA-256", name, len(got))
				}
			}

			cli.run("s3", "rm", "s3://cli-bucket/small.txt")
			if out := cli.run("s3", "ls", "--recursive", "s3://cli-bucket/"); strings.Contains(out, "small.txt") {
				t.Fatalf("after rm: %q", out)
			}

			cli.run("s3api", "put-bucket-versioning", "--bucket", "cli-bucket", "--versioning-configuration", "Status=Enabled")
			cli.run("s3", "cp", cli.file("v1.txt", []byte("one")), "s3://cli-bucket/v.txt")
			cli.run("s3", "cp", cli.file("v2.txt", []byte("two")), "s3://cli-bucket/v.txt")
			var versions struct {
				Versions []struct {
					Key       string
					VersionId string
					IsLatest  bool
				}
			}
			must(t, json.Unmarshal([]byte(cli.run("s3api", "list-object-versions", "--bucket", "cli-bucket", "--prefix", "v.txt")), &versions))
			v := versions.Versions
			if len(v) != 2 || !v[0].IsLatest || v[1].IsLatest || v[0].VersionId == v[1].VersionId || v[0].VersionId == "null" {
				t.Fatalf("versions: %+v", v)
			}

			if tr.tls && !b.payloads.has("STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
				t.Fatal("over TLS the CLI sent no aws-chunked body")
			}
			if !tr.tls && (b.payloads.has("STREAMING-UNSIGNED-PAYLOAD-TRAILER") || b.payloads.has("UNSIGNED-PAYLOAD")) {
				t.Fatal("over plain HTTP the CLI was expected to sign every body")
			}
		})
	}
}
