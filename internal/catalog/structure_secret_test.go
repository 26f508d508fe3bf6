package catalog

import (
	"testing"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// withJenkins is validV1 plus a custom action that holds a secret.
func withJenkins() *wire.PipelineDeclaration {
	p := validV1()
	p.Stages[1].Actions = append(p.Stages[1].Actions, jenkins("Jenkins", "SourceOut"))
	return p
}

func TestMaskSecrets(t *testing.T) {
	t.Parallel()
	p := withJenkins()
	maskSecrets(p, testFind)
	cfg := p.Stages[1].Actions[1].Configuration
	if cfg["Token"] != secretMask {
		t.Errorf("S-3.10 secret Token = %q, want %q", cfg["Token"], secretMask)
	}
	if cfg["ProjectName"] != "job-1" {
		t.Errorf("S-3.10 non-secret ProjectName = %q, want it unchanged", cfg["ProjectName"])
	}
	if got := p.Stages[0].Actions[0].Configuration["S3Bucket"]; got != "src-bucket" {
		t.Errorf("S-3.10 built-in S3Bucket = %q, want it unchanged", got)
	}
}

func TestRestoreSecrets(t *testing.T) {
	t.Parallel()
	const newActionMsg = `Action configuration for the new action "Jenkins" contains an invalid configuration for the secret property "Token". "****" may be used in secret properties only when updating an existing action.`
	masked := func() *wire.PipelineDeclaration {
		p := withJenkins()
		maskSecrets(p, testFind)
		return p
	}
	tests := []struct {
		name      string
		old       *wire.PipelineDeclaration
		mutate    func(p *wire.PipelineDeclaration)
		code      core.Code
		msg       string
		wantToken string
	}{
		{name: "S-3.10 mask sent back keeps the stored secret", old: withJenkins(), wantToken: "s3cret"},
		{name: "S-3.10 a new value replaces the secret", old: withJenkins(), mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[1].Configuration["Token"] = "rotated"
		}, wantToken: "rotated"},
		{name: "S-3.10 mask on create", old: nil,
			code: core.InvalidActionDeclaration, msg: newActionMsg},
		{name: "S-3.10 mask on a new action", old: validV1(),
			code: core.InvalidActionDeclaration, msg: newActionMsg},
		{name: "S-3.10 Q-7 renamed stage drops its secrets", old: withJenkins(), mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Name = wire.Ptr("Renamed")
		}, code: core.InvalidActionDeclaration, msg: newActionMsg},
		{name: "S-3.10 secret is not carried to another action type", old: func() *wire.PipelineDeclaration {
			p := withJenkins()
			p.Stages[1].Actions[1].ActionTypeId.Version = wire.Ptr("0")
			return p
		}(), code: core.InvalidActionDeclaration, msg: newActionMsg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := masked()
			if tc.mutate != nil {
				tc.mutate(p)
			}
			err := restoreSecrets(p, tc.old, testFind)
			requireCode(t, err, tc.code, tc.msg)
			if tc.code != "" {
				return
			}
			if got := p.Stages[1].Actions[1].Configuration["Token"]; got != tc.wantToken {
				t.Errorf("Token = %q, want %q", got, tc.wantToken)
			}
		})
	}
}
