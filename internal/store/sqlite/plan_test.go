package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The latest-run queries must seek per stage and action, never read the
// runs of a pipeline's whole history (see stageRunsLatestSQL). In the
// plan, the only step constrained by the pipeline alone must be the seed of
// the recursive walk (a MIN, one seek); a GROUP BY, a window function or a
// scan would read every run.
func TestLatestQueriesSeek(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "sluice.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for name, query := range map[string]string{"stage": stageRunsLatestSQL, "action": actionRunsLatestSQL} {
		plan, err := explain(ctx, s, query)
		if err != nil {
			t.Fatal(err)
		}
		if msg := planProblem(plan); msg != "" {
			t.Errorf("%s latest query %s; plan:\n%s", name, msg, plan)
		}
	}
}

// planStep is one row of EXPLAIN QUERY PLAN.
type planStep struct {
	id, parent int
	detail     string
}

type queryPlan []planStep

func (p queryPlan) String() string {
	var b strings.Builder
	for _, s := range p {
		b.WriteString(s.detail + "\n")
	}
	return b.String()
}

func explain(ctx context.Context, s *Store, query string) (queryPlan, error) {
	rows, err := s.pool.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, make([]any, strings.Count(query, "?"))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan queryPlan
	for rows.Next() {
		var st planStep
		var unused int
		if err := rows.Scan(&st.id, &st.parent, &unused, &st.detail); err != nil {
			return nil, err
		}
		plan = append(plan, st)
	}
	return plan, rows.Err()
}

// planProblem names the first step that reads more than a seek, or "".
func planProblem(plan queryPlan) string {
	details := map[int]string{}
	for _, st := range plan {
		details[st.id] = st.detail
	}
	for _, st := range plan {
		switch {
		case strings.HasPrefix(st.detail, "SCAN ") && !strings.HasPrefix(st.detail, "SCAN stages") &&
			!strings.HasPrefix(st.detail, "SCAN pairs"):
			return "scans a table"
		case strings.Contains(st.detail, "TEMP B-TREE") && st.detail != "USE TEMP B-TREE FOR ORDER BY":
			return "sorts rows"
		case strings.HasSuffix(st.detail, "(account=? AND region=? AND pipeline=?)") && details[st.parent] != "SETUP":
			return "reads a pipeline's runs outside the seed of its walk"
		}
	}
	return ""
}
