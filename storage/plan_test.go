package storage

import (
	"strings"
	"testing"
)

// TestQueryPlans pins the plans of the queries that must stay fast on ten
// years of data: each must search the named index, and none may scan a table.
// (Without ANALYZE statistics SQLite's plans do not depend on the data, so a
// small database shows the plan a large one gets.)
func TestQueryPlans(t *testing.T) {
	d := openTest(t)
	for _, c := range []struct {
		name  string
		query string
		args  []any
		want  []string
	}{
		{"EvalFacts", evalFactsSQL, []any{0, 1}, []string{"COVERING INDEX evaluations_facts"}},
		{"EvalFacts superseded", supersededSQL, []any{0, 1}, []string{"evaluations_corrects"}},
		{"EvalFacts verdicts", verdictsSQL, []any{0, 1}, []string{"work_orders_evaluation"}},
		{"OrderFacts", orderFactsSQL, []any{0, 1}, []string{"evaluations_facts", "work_orders_evaluation"}},
		{"TxFacts", txFactsSQL, []any{0, 1}, []string{"COVERING INDEX transactions_facts"}},
		{"FinishedUnrated", `SELECT ` + txCols + txFrom + finishedUnratedWhere, []any{0, 1}, []string{"transactions_unrated", "evaluations_tx"}},
		{"EvaluationsFor", `SELECT ` + evalCols + ` FROM evaluations e ` + evaluationsForWhere, []any{"[1]"}, []string{"evaluations_tx"}},
		{"PendingOutbox", pendingOutboxSQL, []any{"x", 1}, []string{"outbox_pending"}},
		{"OutboxStats pending", outboxPendingCountSQL, []any{"x"}, []string{"outbox_pending"}},
		{"OutboxStats oldest", outboxOldestSQL, []any{"x"}, []string{"outbox_pending"}},
		{"OutboxStats rejected", outboxRejectedCountSQL, []any{"x"}, []string{"outbox_rejected"}},
	} {
		rows, err := d.db.Query(`EXPLAIN QUERY PLAN `+c.query, c.args...)
		mustf(t, err, "%s", c.name)
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			mustf(t, rows.Scan(&id, &parent, &notused, &detail), "scan")
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s does not use %s:\n%s", c.name, w, all)
			}
		}
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, "json_each") {
				t.Errorf("%s scans: %s\n%s", c.name, line, all)
			}
			if c.name == "EvalFacts" || c.name == "TxFacts" {
				if strings.Contains(line, "TEMP B-TREE") {
					t.Errorf("%s sorts: %s", c.name, line)
				}
			}
		}
	}
}
