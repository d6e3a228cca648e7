package screens

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// RejectedRecord is one record the county platform (or the sender's own
// check) refused, as the county sender keeps it (sync.RejectedRecord has the
// same fields): Payload is the record as queued, by Kind.
type RejectedRecord struct {
	OutboxID   int64
	Kind       string // KindTransaction, KindEvaluation or KindWorkOrder
	RecordUID  string
	Reason     string // Chinese
	RejectedAt time.Time
	Payload    json.RawMessage
}

// The kinds of queued records (storage's outbox kinds).
const (
	KindTransaction = "transaction" // an app.Transaction
	KindEvaluation  = "evaluation"  // an app.Evaluation
	KindWorkOrder   = "workorder"   // an app.WorkOrder (and the step that changed it)
)

// RejectedSource is the county sender's list of rejected records and its
// re-queue; the window wires the sender (sync.Sender) through a conversion.
type RejectedSource interface {
	Rejected(ctx context.Context, limit int) ([]RejectedRecord, error)
	Requeue(ctx context.Context, outboxID int64, corrected json.RawMessage) error
}

// Rejected is the manager's list of the records the county platform (or the
// sender's own check before sending) refused: the reason, the record's main
// fields, and two ways back into the queue: 重新上传 as it is (after the cause
// was fixed elsewhere, e.g. the centre's area code) and 修改并重新上传 (the
// few fields a manager may correct: an evaluation's tags and text, a
// transaction's item name and agent).
type Rejected struct {
	List    *widget.List
	Count   *widget.Label
	Detail  *fyne.Container
	Status  *widget.Label // the outcome of the last action
	Edit    *widget.Button
	Resend  *widget.Button
	Refresh *widget.Button
	Back    *widget.Button
	// OnBack runs when the manager leaves the screen.
	OnBack func()

	// Records are the rejected records, oldest first; Selected is the chosen one.
	Records  []RejectedRecord
	Selected *RejectedRecord
	// Form is the correction form on show (for tests).
	Form *RejectedForm

	env  *Env
	src  RejectedSource
	user *app.Staff
	obj  fyne.CanvasObject
}

// RejectedForm is the 修改并重新上传 form. Which entries it has depends on
// the record's kind: Tags and Text for an evaluation, ItemName and Agent for
// a transaction.
type RejectedForm struct {
	Tags, Text, ItemName, Agent *widget.Entry
	Error                       *widget.Label
	dlg                         dialog.Dialog
	submit                      func()
}

// Submit corrects and re-queues, as the form's button does.
func (f *RejectedForm) Submit() { f.submit() }

// maxRejectedShown bounds the list: a county that rejects everything (a
// wrong area code) should not freeze the screen with a year of records.
const maxRejectedShown = 2000

// NewRejected builds the screen; call Reload to fill it. Only a manager may
// re-queue: for anyone else the buttons stay disabled.
func NewRejected(env *Env, src RejectedSource, user *app.Staff) *Rejected {
	r := &Rejected{env: env, src: src, user: user}
	r.Count = widget.NewLabel("")
	r.Status = widget.NewLabel("")
	r.Status.Wrapping = fyne.TextWrapWord
	r.Refresh = widget.NewButton("刷新", r.Reload)
	r.Back = widget.NewButton("返回", func() {
		if r.OnBack != nil {
			r.OnBack()
		}
	})
	r.Edit = widget.NewButton("修改并重新上传", r.showForm)
	r.Edit.Importance = widget.HighImportance
	r.Resend = widget.NewButton("重新上传", func() { r.requeue(nil) })
	r.Edit.Disable()
	r.Resend.Disable()
	r.List = widget.NewList(func() int { return len(r.Records) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(rejectedRow(r.Records[i])) })
	r.List.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(r.Records) {
			r.Select(r.Records[i].OutboxID)
		}
	}
	r.Detail = container.NewVBox(widget.NewLabel("请在左侧选择记录"))

	title := widget.NewLabelWithStyle("被退回的上传记录", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, container.NewHBox(title, r.Count), container.NewHBox(r.Refresh, r.Back))
	note := widget.NewLabel("县级平台退回或本机校验未通过的记录不会自动重传。请按退回原因改正后重新上传；" +
		"若原因在中心设置（如行政区划代码），改正设置后直接点“重新上传”。")
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	if !canRequeue(user) {
		note.SetText(note.Text + "重新上传须由中心负责人操作。")
	}
	right := container.NewBorder(nil, container.NewVBox(r.Status, container.NewGridWithColumns(3, r.Edit, r.Resend)),
		nil, nil, container.NewVScroll(container.NewPadded(r.Detail)))
	split := container.NewHSplit(card("退回记录", r.List), card("记录详情", right))
	split.Offset = 0.45
	r.obj = container.NewBorder(container.NewPadded(container.NewVBox(top, note)), nil, nil, nil, split)
	return r
}

func canRequeue(u *app.Staff) bool { return u != nil && u.Role == app.RoleManager && u.Active }

// Content is the screen's canvas object.
func (r *Rejected) Content() fyne.CanvasObject { return r.obj }

var outboxKindNames = map[string]string{
	KindTransaction: "办件", KindEvaluation: "评价", KindWorkOrder: "差评工单",
}

func outboxKindName(k string) string {
	if n, ok := outboxKindNames[k]; ok {
		return n
	}
	return k
}

// rejectedRow is one line of the list.
func rejectedRow(rec RejectedRecord) string {
	reason := []rune(rec.Reason)
	if len(reason) > 28 {
		reason = append(reason[:28], '…')
	}
	return fmt.Sprintf("%d  %s  %s  %s", rec.OutboxID, outboxKindName(rec.Kind),
		rec.RejectedAt.In(app.ChinaTime).Format("01-02 15:04"), string(reason))
}

// Reload reads the list, keeping the selected record when it is still there.
func (r *Rejected) Reload() {
	Run(r.env, func(ctx context.Context) ([]RejectedRecord, error) {
		return r.src.Rejected(ctx, maxRejectedShown)
	}, func(list []RejectedRecord, err error) {
		if err != nil {
			r.env.ShowError("rejected records load failed", "读取退回记录未成功", err, nil)
			return
		}
		r.Records = list
		if len(list) >= maxRejectedShown {
			r.Count.SetText(fmt.Sprintf("显示最早的 %d 条", len(list)))
		} else {
			r.Count.SetText(fmt.Sprintf("共 %d 条", len(list)))
		}
		r.List.Refresh()
		id := int64(0)
		if r.Selected != nil {
			id = r.Selected.OutboxID
		}
		r.Select(id)
	})
}

// Select shows the record with outbox id id (none when it is not in the list).
func (r *Rejected) Select(id int64) {
	r.Selected = nil
	for i := range r.Records {
		if r.Records[i].OutboxID == id {
			r.Selected = &r.Records[i]
		}
	}
	r.Edit.Disable()
	r.Resend.Disable()
	r.Detail.Objects = nil
	rec := r.Selected
	if rec == nil {
		r.List.UnselectAll()
		r.Detail.Add(widget.NewLabel("请在左侧选择记录"))
		r.Detail.Refresh()
		return
	}
	if canRequeue(r.user) {
		r.Resend.Enable()
		if rec.Kind == KindEvaluation || rec.Kind == KindTransaction {
			r.Edit.Enable()
		}
	}
	add := func(s string) {
		lb := widget.NewLabel(s)
		lb.Wrapping = fyne.TextWrapWord
		r.Detail.Add(lb)
	}
	r.Detail.Add(boldLabel(fmt.Sprintf("%s记录 %d", outboxKindName(rec.Kind), rec.OutboxID)))
	reason := widget.NewLabel("退回原因：" + rec.Reason)
	reason.Wrapping = fyne.TextWrapWord
	reason.Importance = widget.DangerImportance
	r.Detail.Add(reason)
	add("退回时间：" + rec.RejectedAt.In(app.ChinaTime).Format("2006-01-02 15:04:05"))
	for _, l := range recordLines(rec) {
		add(l)
	}
	r.Detail.Refresh()
}

func whenOrDash(t interface{ IsZero() bool }, s string) string {
	if t.IsZero() {
		return "—"
	}
	return s
}

// recordLines are the record's main fields, in Chinese. The applicant's name
// is masked: the screen may be seen by others at the counter.
func recordLines(rec *RejectedRecord) []string {
	switch rec.Kind {
	case KindTransaction:
		var t app.Transaction
		if err := json.Unmarshal(rec.Payload, &t); err != nil {
			return []string{"记录内容无法读取：" + err.Error()}
		}
		item := t.ItemName
		if item == "" {
			item = t.ItemCode
		}
		return []string{
			"流水号：" + t.Serial,
			fmt.Sprintf("事项：%s（%s）", item, t.ItemCode),
			"申请人：" + app.MaskName(t.ApplicantName),
			"代办人：" + dashIfEmpty(app.MaskName(t.AgentName)),
			"状态：" + t.Status.Name(),
			"受理时间：" + whenOrDash(t.AcceptedAt, t.AcceptedAt.In(app.ChinaTime).Format("2006-01-02 15:04")),
			"办结时间：" + whenOrDash(t.CompletedAt, t.CompletedAt.In(app.ChinaTime).Format("2006-01-02 15:04")),
		}
	case KindEvaluation:
		var e app.Evaluation
		if err := json.Unmarshal(rec.Payload, &e); err != nil {
			return []string{"记录内容无法读取：" + err.Error()}
		}
		return []string{
			fmt.Sprintf("所属办件：编号 %d，第%d次办理", e.TransactionID, e.Visit),
			"评价等级：" + dashIfEmpty(e.Level.Name()),
			"评价渠道：" + e.Channel.Name(),
			"评价标签：" + dashIfEmpty(strings.Join(e.Tags, "、")),
			"文字评价：" + dashIfEmpty(e.Text),
			"评价时间：" + whenOrDash(e.RatedAt, e.RatedAt.In(app.ChinaTime).Format("2006-01-02 15:04")),
		}
	case KindWorkOrder:
		var o app.WorkOrder // the queued payload is the order with the step that changed it
		if err := json.Unmarshal(rec.Payload, &o); err != nil {
			return []string{"记录内容无法读取：" + err.Error()}
		}
		return []string{
			fmt.Sprintf("工单：%s（所属办件编号 %d）", o.UID, o.TransactionID),
			"状态：" + o.State.Name(),
		}
	}
	return []string{"记录类型：" + rec.Kind}
}

func dashIfEmpty(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// splitTags reads tags typed with Chinese or ASCII separators.
func splitTagList(s string) []string {
	out := []string{}
	for _, t := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == '\n'
	}) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// showForm shows the correction form for the selected record.
func (r *Rejected) showForm() {
	rec := r.Selected
	if rec == nil || !canRequeue(r.user) {
		return
	}
	f := &RejectedForm{Error: widget.NewLabel("")}
	f.Error.Importance = widget.DangerImportance
	f.Error.Wrapping = fyne.TextWrapWord
	var items []*widget.FormItem
	var build func() (json.RawMessage, error)
	switch rec.Kind {
	case KindEvaluation:
		var e app.Evaluation
		if err := json.Unmarshal(rec.Payload, &e); err != nil {
			r.env.ShowError("rejected record unreadable", "记录无法修改", err, nil)
			return
		}
		f.Tags = widget.NewEntry()
		f.Tags.SetText(strings.Join(e.Tags, "、"))
		f.Tags.SetPlaceHolder("多个标签用顿号或逗号分开")
		f.Text = widget.NewMultiLineEntry()
		f.Text.Wrapping = fyne.TextWrapWord
		f.Text.SetText(e.Text)
		items = append(items, widget.NewFormItem("评价标签", f.Tags), widget.NewFormItem("文字评价", f.Text))
		build = func() (json.RawMessage, error) {
			e.Tags, e.Text = splitTagList(f.Tags.Text), strings.TrimSpace(f.Text.Text)
			if e.Level.Valid() && e.Level < app.LevelBasic && len(e.Tags) == 0 && e.Text == "" {
				return nil, &app.UserError{Code: app.CodeBadNeedsReason, Msg: "差评须有评价标签或文字说明，县级平台才会接收"}
			}
			return json.Marshal(e)
		}
	case KindTransaction:
		var t app.Transaction
		if err := json.Unmarshal(rec.Payload, &t); err != nil {
			r.env.ShowError("rejected record unreadable", "记录无法修改", err, nil)
			return
		}
		f.ItemName = widget.NewEntry()
		f.ItemName.SetText(t.ItemName)
		f.Agent = widget.NewEntry()
		f.Agent.SetText(t.AgentName)
		items = append(items, widget.NewFormItem("事项名称", f.ItemName), widget.NewFormItem("代办人", f.Agent))
		build = func() (json.RawMessage, error) {
			t.ItemName, t.AgentName = strings.TrimSpace(f.ItemName.Text), strings.TrimSpace(f.Agent.Text)
			if t.ItemName == "" {
				return nil, &app.UserError{Code: "no_item_name", Msg: "请填写事项名称"}
			}
			return json.Marshal(t)
		}
	default:
		return
	}
	f.submit = func() {
		payload, err := build()
		if err != nil {
			f.Error.SetText(app.UserMessage(err))
			return
		}
		r.requeue(payload)
	}
	form := container.NewVBox(widget.NewLabel("退回原因："+rec.Reason), widget.NewForm(items...), f.Error)
	f.dlg = dialog.NewCustomConfirm(fmt.Sprintf("修改%s记录 %d", outboxKindName(rec.Kind), rec.OutboxID), "保存并重新上传", "取消",
		form, func(ok bool) {
			if ok {
				f.submit()
			}
		}, r.env.Win)
	f.dlg.Resize(fyne.NewSize(560, 0))
	r.Form = f
	r.env.escapable(f.dlg, nil, f.dlg.Hide)
	f.dlg.Show()
}

// requeue puts the selected record back in the queue, corrected when
// payload is not nil.
func (r *Rejected) requeue(payload json.RawMessage) {
	rec := r.Selected
	if rec == nil || !canRequeue(r.user) {
		return
	}
	id := rec.OutboxID
	Run(r.env, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, r.src.Requeue(ctx, id, payload)
	}, func(_ struct{}, err error) {
		if err != nil {
			r.env.ShowError("re-queue rejected record failed", "重新上传未成功", err, nil)
			return
		}
		if r.Form != nil && r.Form.dlg != nil {
			r.Form.dlg.Hide()
		}
		r.Form = nil
		r.env.log().Info("rejected record re-queued", "outbox_id", id, "corrected", payload != nil)
		r.Status.SetText(fmt.Sprintf("记录 %d 已重新排队，将在下次上传时发送。", id))
		r.Reload()
	})
}
