package sigv4

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "credentials")
	const content = `# Sluice credentials
[ci]
aws_access_key_id     = AKIACI
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
aws_account_id        = 123456789012
region                = eu-west-1

; a second profile, with the short account key and a token
[ worker ]
AWS_ACCESS_KEY_ID=ASIAWORKER
aws_secret_access_key=s=e=c
aws_session_token = tok
account_id=000000000001
`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("loaded %d credentials, want 2", s.Len())
	}
	for _, want := range []Credential{
		{AccessKeyID: "AKIACI", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Account: "123456789012"},
		{AccessKeyID: "ASIAWORKER", SecretAccessKey: "s=e=c", SessionToken: "tok", Account: "000000000001"},
	} {
		got, ok, err := s.Lookup(context.Background(), want.AccessKeyID)
		if err != nil || !ok || got != want {
			t.Fatalf("Lookup(%s) = %+v, %v, %v; want %+v", want.AccessKeyID, got, ok, err, want)
		}
	}
}

func TestLoadFileMissing(t *testing.T) {
	t.Parallel()
	_, err := LoadFile(filepath.Join(t.TempDir(), "nope"))
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("got %v", err)
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	t.Parallel()
	const good = "aws_access_key_id = AKIA1\naws_secret_access_key = s\naws_account_id = 123456789012\n"
	cases := []struct{ name, content, want string }{
		{"MissingSecret", "[a]\naws_access_key_id = AKIA1\naws_account_id = 123456789012\n", "creds:1: section [a] lacks aws_secret_access_key"},
		{"MissingAll", "\n[a]\nregion = x\n", "creds:2: section [a] lacks aws_access_key_id, aws_secret_access_key, aws_account_id"},
		{"BadAccount", "[a]\naws_access_key_id = AKIA1\naws_account_id = 12345\n", `creds:3: account id "12345" is not 12 digits`},
		{"LetterAccount", "[a]\naws_account_id = 12345678901x\n", "creds:2: account id"},
		{"EmptySecret", "[a]\naws_access_key_id = AKIA1\naws_secret_access_key =\naws_account_id = 123456789012\n", `creds:1: section [a]: access key "AKIA1" has an empty secret`},
		{"KeyOutsideSection", "aws_access_key_id = AKIA1\n", "creds:1: key outside a [section]"},
		{"NotKeyValue", "[a]\njunk\n", `creds:2: expected [section] or key = value, got "junk"`},
		{"Unterminated", "[a\n", "creds:1: unterminated section header"},
		{"EmptySection", "[ ]\n", "creds:1: empty section name"},
		{"DuplicateSection", "[a]\n" + good + "[a]\n", "creds:5: section [a] already declared on line 1"},
		{"DuplicateKeyID", "[a]\n" + good + "[b]\n" + good, "creds:5: section [b] repeats the access key id of line 1"},
		{"DuplicateKey", "[a]\n" + good + "account_id = 123456789012\n", "creds:5: aws_account_id set twice in section [a]"},
		{"Empty", "# nothing\n", "creds: no credentials"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseCredentials(strings.NewReader(c.content), "creds")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	var s Static
	if _, ok, _ := s.Lookup(context.Background(), "x"); ok {
		t.Fatal("empty Static found a key")
	}
	for _, bad := range []Credential{
		{SecretAccessKey: "s", Account: "123456789012"},
		{AccessKeyID: "k", Account: "123456789012"},
		{AccessKeyID: "k", SecretAccessKey: "s", Account: "1234"},
	} {
		if err := s.Add(bad); err == nil {
			t.Fatalf("Add(%+v) accepted an invalid credential", bad)
		}
	}
	c := Credential{AccessKeyID: "k", SecretAccessKey: "s", Account: "123456789012"}
	if err := s.Add(c); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.Lookup(context.Background(), "k"); !ok || got != c {
		t.Fatalf("Lookup = %+v, %v", got, ok)
	}
	s.Remove("k")
	if _, ok, _ := s.Lookup(context.Background(), "k"); ok {
		t.Fatal("Remove kept the key")
	}
}
