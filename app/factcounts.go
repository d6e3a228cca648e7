package app

import (
	"cmp"
	"slices"
)

// CountFacts counts row facts the way Store.FactCounts does in SQL: one
// evaluation fact per group, kind, level, channel and invalid verdict, one
// transaction fact per group and rated flag, each with its N; the fields by
// does not group on are zero, Verdict is kept only where it makes a row
// invalid (all Compute reads), orders are kept as they are. Compute gives
// the same figures for f and for CountFacts(f, by). In-memory stores use it
// for FactCounts, and tests hold the SQL to it.
func CountFacts(f Facts, by GroupBy) Facts {
	type evalKey struct {
		window, clerk int64
		item          string
		kind          EvalKind
		level         Level
		channel       Channel
		verdict       Verdict
	}
	type txKey struct {
		window, clerk int64
		item          string
		rated         bool
	}
	evals := map[evalKey]int{}
	for _, e := range f.Evals {
		k := evalKey{kind: e.Kind, level: e.Level, channel: e.Channel}
		if e.Verdict.Invalid() {
			k.verdict = e.Verdict
		}
		k.window, k.clerk, k.item = groupFields(by, e.WindowID, e.ClerkID, e.ItemCode)
		evals[k] += max(e.N, 1)
	}
	txs := map[txKey]int{}
	for _, t := range f.Txs {
		k := txKey{rated: t.ActiveRated}
		k.window, k.clerk, k.item = groupFields(by, t.WindowID, t.ClerkID, t.ItemCode)
		txs[k] += max(t.N, 1)
	}
	out := Facts{Orders: f.Orders}
	for k, n := range evals {
		out.Evals = append(out.Evals, EvalFact{Kind: k.kind, Level: k.level, Channel: k.channel, Verdict: k.verdict,
			WindowID: k.window, ClerkID: k.clerk, ItemCode: k.item, N: n})
	}
	for k, n := range txs {
		out.Txs = append(out.Txs, TxFact{WindowID: k.window, ClerkID: k.clerk, ItemCode: k.item, ActiveRated: k.rated, N: n})
	}
	SortFactCounts(out)
	return out
}

// groupFields keeps the one field by groups on.
func groupFields(by GroupBy, window, clerk int64, item string) (int64, int64, string) {
	switch by {
	case ByWindow:
		return window, 0, ""
	case ByClerk:
		return 0, clerk, ""
	case ByItem:
		return 0, 0, item
	}
	return 0, 0, ""
}

// SortFactCounts puts counted facts in one order, so two countings of the
// same rows compare equal.
func SortFactCounts(f Facts) {
	slices.SortFunc(f.Evals, func(a, b EvalFact) int {
		return cmp.Or(cmp.Compare(a.WindowID, b.WindowID), cmp.Compare(a.ClerkID, b.ClerkID),
			cmp.Compare(a.ItemCode, b.ItemCode), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Level, b.Level),
			cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Verdict, b.Verdict))
	})
	slices.SortFunc(f.Txs, func(a, b TxFact) int {
		ar, br := 0, 0
		if a.ActiveRated {
			ar = 1
		}
		if b.ActiveRated {
			br = 1
		}
		return cmp.Or(cmp.Compare(a.WindowID, b.WindowID), cmp.Compare(a.ClerkID, b.ClerkID),
			cmp.Compare(a.ItemCode, b.ItemCode), cmp.Compare(ar, br))
	})
}
