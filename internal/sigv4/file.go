package sigv4

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// LoadFile reads a credentials file into a *Static. The format is the INI
// dialect of ~/.aws/credentials:
//
//	# comment
//	[ci]
//	aws_access_key_id     = AKIAEXAMPLE
//	aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
//	aws_account_id        = 123456789012
//
// Every section needs aws_access_key_id, aws_secret_access_key and a 12-digit
// account id (aws_account_id, or account_id); aws_session_token is optional.
// Other keys (region, output, …) are ignored so an existing AWS file can be
// reused. Errors name the file and line.
func LoadFile(path string) (*Static, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load credentials: %w", err)
	}
	defer f.Close()
	return ParseCredentials(f, path)
}

// ParseCredentials reads the format of LoadFile from r; name is used in error
// messages.
func ParseCredentials(r io.Reader, name string) (*Static, error) {
	p := fileParser{name: name, store: &Static{}, sections: make(map[string]int), keyIDs: make(map[string]int)}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.line++
		if err := p.parseLine(sc.Text()); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := p.endSection(); err != nil {
		return nil, err
	}
	if p.store.Len() == 0 {
		return nil, fmt.Errorf("%s: no credentials", name)
	}
	return p.store, nil
}

// fileParser holds the state of ParseCredentials between lines.
type fileParser struct {
	name  string
	line  int
	store *Static
	// sections and keyIDs map what was declared to its line, for duplicates.
	sections map[string]int
	keyIDs   map[string]int

	section     string // "" before the first section
	sectionLine int
	cred        Credential
	keys        map[string]bool // keys already set in the current section
}

func (p *fileParser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...))
}

func (p *fileParser) parseLine(text string) error {
	text = strings.TrimSpace(text)
	switch {
	case text == "" || text[0] == '#' || text[0] == ';':
		return nil
	case text[0] == '[':
		return p.startSection(text)
	}
	key, value, ok := strings.Cut(text, "=")
	if !ok {
		return p.errorf(p.line, "expected [section] or key = value, got %q", text)
	}
	if p.section == "" {
		return p.errorf(p.line, "key outside a [section]")
	}
	key = strings.ToLower(strings.TrimSpace(key))
	value = strings.TrimSpace(value)
	if key == "account_id" {
		key = "aws_account_id"
	}
	if p.keys[key] {
		return p.errorf(p.line, "%s set twice in section [%s]", key, p.section)
	}
	p.keys[key] = true
	switch key {
	case "aws_access_key_id":
		p.cred.AccessKeyID = value
	case "aws_secret_access_key":
		p.cred.SecretAccessKey = value
	case "aws_session_token":
		p.cred.SessionToken = value
	case "aws_account_id":
		if !isAccountID(value) {
			return p.errorf(p.line, "account id %q is not 12 digits", value)
		}
		p.cred.Account = value
	}
	return nil
}

func (p *fileParser) startSection(text string) error {
	if !strings.HasSuffix(text, "]") {
		return p.errorf(p.line, "unterminated section header %q", text)
	}
	if err := p.endSection(); err != nil {
		return err
	}
	name := strings.TrimSpace(text[1 : len(text)-1])
	if name == "" {
		return p.errorf(p.line, "empty section name")
	}
	if prev, dup := p.sections[name]; dup {
		return p.errorf(p.line, "section [%s] already declared on line %d", name, prev)
	}
	p.sections[name] = p.line
	p.section, p.sectionLine = name, p.line
	p.cred, p.keys = Credential{}, make(map[string]bool)
	return nil
}

// endSection validates and stores the credential of the section just read.
func (p *fileParser) endSection() error {
	if p.section == "" {
		return nil
	}
	var missing []string
	for _, k := range []string{"aws_access_key_id", "aws_secret_access_key", "aws_account_id"} {
		if !p.keys[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return p.errorf(p.sectionLine, "section [%s] lacks %s", p.section, strings.Join(missing, ", "))
	}
	if prev, dup := p.keyIDs[p.cred.AccessKeyID]; dup {
		return p.errorf(p.sectionLine, "section [%s] repeats the access key id of line %d", p.section, prev)
	}
	p.keyIDs[p.cred.AccessKeyID] = p.sectionLine
	if err := p.store.Add(p.cred); err != nil {
		return p.errorf(p.sectionLine, "section [%s]: %v", p.section, err)
	}
	return nil
}
