package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/core"
)

// The latest-run queries must seek per stage and action, never read the
// runs of a pipeline's whole history (see stageRunsLatestSQL). Over a
// seeded history of thousands of runs, the executed plan may only read
// rows through indexes, and only a few per stage and action.
func TestLatestQueriesSeek(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mustOpen(t)
	seedHistory(t, s, 1000)
	for name, query := range map[string]string{"stage": stageRunsLatestSQL, "action": actionRunsLatestSQL} {
		plan, err := explainAnalyze(ctx, s, query, "111111111111", "us-east-1", "p")
		if err != nil {
			t.Fatal(err)
		}
		if msg := planProblem(plan); msg != "" {
			t.Errorf("%s latest query %s; plan:\n%s", name, msg, plan)
		}
	}
	if rs, err := s.ActionRunsLatest(ctx, scopeOf("111111111111"), "p"); err != nil || len(rs) != 6 {
		t.Fatalf("latest action runs = %d, %v; want 6", len(rs), err)
	}
}

// seedHistory gives pipeline p of two accounts n executions, each with
// three stages of two actions, then has the planner gather statistics.
// Only the first ten executions reached the last stage: its latest run is
// old, behind most of the history.
func seedHistory(t *testing.T, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	_, err := s.pool.Exec(ctx, fmt.Sprintf(`
		INSERT INTO stage_runs (account, region, pipeline, execution_id, stage, status, doc)
		SELECT a, 'us-east-1', 'p', a || '-e' || e, 'S' || st, 'Succeeded', '{}'
		FROM generate_series(1, %[1]d) e, generate_series(1, 3) st, unnest(ARRAY['111111111111', '222222222222']) a
		WHERE st < 3 OR e <= 10;
		INSERT INTO action_runs (id, account, region, pipeline, execution_id, stage, action, status, doc)
		SELECT a || '-' || e || '-' || st || '-' || ac, a, 'us-east-1', 'p', a || '-e' || e,
			'S' || st, 'A' || ac, 'Succeeded', '{}'
		FROM generate_series(1, %[1]d) e, generate_series(1, 3) st, generate_series(1, 2) ac,
			unnest(ARRAY['111111111111', '222222222222']) a
		WHERE st < 3 OR e <= 10;
		ANALYZE stage_runs; ANALYZE action_runs`, n))
	if err != nil {
		t.Fatal(err)
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Rows     float64    `json:"Actual Rows"`
	Filtered float64    `json:"Rows Removed by Filter"`
	Loops    float64    `json:"Actual Loops"`
	Plans    []planNode `json:"Plans"`
}

func (n planNode) String() string {
	var b strings.Builder
	n.write(&b, 0)
	return b.String()
}

func (n planNode) write(b *strings.Builder, depth int) {
	fmt.Fprintf(b, "%s%s %s %s rows=%g filtered=%g loops=%g\n", strings.Repeat("  ", depth),
		n.NodeType, n.Relation, n.Index, n.Rows, n.Filtered, n.Loops)
	for _, c := range n.Plans {
		c.write(b, depth+1)
	}
}

func explainAnalyze(ctx context.Context, s *Store, query string, args ...any) (planNode, error) {
	var out []byte
	if err := s.pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+query, args...).Scan(&out); err != nil {
		return planNode{}, err
	}
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		return planNode{}, fmt.Errorf("explain output %s: %v", out, err)
	}
	return plans[0].Plan, nil
}

// maxRowsRead bounds the rows the latest queries may read from the run
// tables over a history of thousands: a seek per step of the walk (three
// stages and six actions here, plus the steps that find no more).
const maxRowsRead = 40

// planProblem names what reads more than seeks, or "".
func planProblem(plan planNode) string {
	read := 0.0
	var walk func(n planNode) string
	walk = func(n planNode) string {
		if n.Relation == "stage_runs" || n.Relation == "action_runs" {
			if !strings.HasPrefix(n.NodeType, "Index") {
				return "reads " + n.Relation + " without an index (" + n.NodeType + ")"
			}
			read += (n.Rows + n.Filtered) * n.Loops
		}
		for _, c := range n.Plans {
			if msg := walk(c); msg != "" {
				return msg
			}
		}
		return ""
	}
	if msg := walk(plan); msg != "" {
		return msg
	}
	if read > maxRowsRead {
		return fmt.Sprintf("reads %g rows, more than %d", read, maxRowsRead)
	}
	return ""
}

func scopeOf(account string) core.Scope { return core.Scope{Account: account, Region: "us-east-1"} }
