package app

import "time"

// IsPriority reports whether t is in the 绿色通道 (JZ 4.2.2.4: 老年人、残疾人
// 等特殊群体). Tickets of the foundation carry only the flag.
func (t Ticket) IsPriority() bool { return t.Priority || t.PriorityKind != PriorityNone }

// InSlot reports whether t is an appointment whose slot holds now.
func (t Ticket) InSlot(now time.Time) bool {
	return !t.SlotStart.IsZero() && !now.Before(t.SlotStart) && now.Before(t.SlotEnd)
}

// Returning reports whether t is on its way back to the window it was
// transferred from (TransferRequest.Return): it goes before anything else there.
func (t Ticket) Returning() bool { return t.ReturnWindow != 0 && t.ToWindowID == t.ReturnWindow }

// Before orders two tickets of one class: by slot start for appointments in
// their slot, then by issue time, then by ID (the order they were stored).
func (t Ticket) Before(b Ticket, bySlot bool) bool {
	if bySlot && !t.SlotStart.Equal(b.SlotStart) {
		return t.SlotStart.Before(b.SlotStart)
	}
	if !t.IssuedAt.Equal(b.IssuedAt) {
		return t.IssuedAt.Before(b.IssuedAt)
	}
	return t.ID < b.ID
}

// QueueCandidates is the part of the waiting tickets PickNext can choose from
// at any window at now: every appointment inside its slot, and of the others
// the first by issue time (then ID) in each queue and class. A queue is a
// category (tickets not sent to a window) or the window tickets were sent to
// (those coming back apart); a class is 绿色通道 or ordinary. PickNext decides
// on them as on all waiting tickets, so a store need not read a long queue
// to make a call. The order of waiting is kept.
func QueueCandidates(waiting []Ticket, now time.Time) []Ticket {
	type key struct {
		toWindow  int64
		returning bool
		category  int64
		priority  bool
	}
	first := map[key]int{}
	for i, t := range waiting {
		if t.InSlot(now) {
			continue
		}
		k := key{toWindow: t.ToWindowID, returning: t.Returning(), priority: t.IsPriority()}
		if t.ToWindowID == 0 {
			k.category = t.CategoryID
		}
		if j, ok := first[k]; !ok || t.Before(waiting[j], false) {
			first[k] = i
		}
	}
	keep := make([]bool, len(waiting))
	for _, i := range first {
		keep[i] = true
	}
	var out []Ticket
	for i, t := range waiting {
		if keep[i] || t.InSlot(now) {
			out = append(out, t)
		}
	}
	return out
}

// WaitingCount is the number of waiting tickets of one category, sent to one
// window (0: any window of the category), in one class.
type WaitingCount struct {
	CategoryID int64
	ToWindowID int64
	Priority   bool
	N          int
}
