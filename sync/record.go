package countysync

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/storage"
)

// Record kinds on the wire.
const (
	KindService    = "service"
	KindEvaluation = "evaluation"
	KindWorkOrder  = "workorder"
)

// Batch is the body of POST /api/v1/records.
type Batch struct {
	Centre  string   `json:"centre"`
	BatchID string   `json:"batchId"`
	Records []Record `json:"records"`
}

// Record is one uploaded record. Data is one of ServiceData, EvaluationData,
// WorkOrderData (json.RawMessage on the receiving side).
type Record struct {
	ID   string          `json:"id"`
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

// Response is the body the county answers with.
type Response struct {
	Results []Result `json:"results"`
}

// Result statuses.
const (
	StatusAccepted  = "accepted"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
)

// Result is the county's answer for one record.
type Result struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// ServiceData is a 办件 record (field names of the provincial interface).
type ServiceData struct {
	ProjectNo      string `json:"projectNo"`
	ServiceNumber  int    `json:"serviceNumber"`
	AreaCode       string `json:"areaCode"`
	DeptCode       string `json:"deptCode"`
	DeptName       string `json:"deptName"`
	TaskCode       string `json:"taskCode"`
	TaskName       string `json:"taskName"`
	TaskType       string `json:"taskType"`
	PromiseType    string `json:"promiseType"`
	ProChannel     string `json:"proChannel"`
	AcceptDate     string `json:"acceptDate"`
	ResultDate     string `json:"resultDate"`
	ProStatus      string `json:"proStatus"`
	UserProp       string `json:"userProp"`
	UserName       string `json:"userName"`
	CertKey        string `json:"certKey"`
	HandleUserName string `json:"handleUserName"`
	ProManager     string `json:"proManager"`
	WindowNo       string `json:"windowNo"`
}

// EvaluationData is one rating of one transaction.
type EvaluationData struct {
	ProjectNo     string `json:"projectNo"`
	ServiceNumber int    `json:"serviceNumber"`
	AreaCode      string `json:"areaCode"`
	PF            int    `json:"pf"`
	// Satisfaction is absent for 未评: a visit whose rating window closed
	// with no rating under a profile that records 未评 travels with
	// Unrated and IsDefault, pf 7 and assessTime = the window's close
	// (county-upload.md, "未评"); 0 is in no code table.
	Satisfaction      *int           `json:"satisfaction,omitempty"`
	Unrated           bool           `json:"unrated,omitempty"`
	EvalDetail        string         `json:"evalDetail"`
	WritingEvaluation string         `json:"writingEvaluation"`
	AssessTime        string         `json:"assessTime"`
	AssessNumber      int            `json:"assessNumber"`
	IsDefault         bool           `json:"isDefault"`
	DataSource        string         `json:"dataSource"`
	Dimensions        map[string]int `json:"dimensions,omitempty"`
	// EvalID is the rating's own stable id; Corrects names the rating this
	// one corrects (a mistyped paper form), so the county replaces it instead
	// of refusing a second rating of the visit.
	EvalID   string `json:"evalId"`
	Corrects string `json:"corrects,omitempty"`
}

// WorkOrderData is a 差评工单 status.
type WorkOrderData struct {
	ProjectNo      string `json:"projectNo"`
	AreaCode       string `json:"areaCode"`
	OrderNo        string `json:"orderNo"`
	Category       string `json:"category"`
	Status         string `json:"status"`
	Verdict        string `json:"verdict"`
	ContactTime    string `json:"contactTime"`
	RectifyResult  string `json:"rectifyResult"`
	CallbackResult string `json:"callbackResult"`
	ClosedTime     string `json:"closedTime"`
}

// TimeLayout is the spec's yyyy-MM-dd HH:mm:ss, China time.
const TimeLayout = "2006-01-02 15:04:05"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.ChinaTime).Format(TimeLayout)
}

// RecordID is the stable upload id of an outbox row: a UUID derived from the
// record's UID and the row id. A transaction or a work order changes and is
// queued once per change under the same UID; each change must reach the
// county, so the id names the row, not the record. Re-sending the row (after
// a lost response) gives the same id, which the county answers "duplicate".
func RecordID(row storage.OutboxRow) string {
	h := sha256.Sum256([]byte(row.RecordUID + "#" + strconv.FormatInt(row.ID, 10)))
	h[6] = h[6]&0x0f | 0x80 // version 8 (custom)
	h[8] = h[8]&0x3f | 0x80 // RFC 9562 variant
	return uuidString(h[:16])
}

// NewUUID is a random (version 4) UUID, for batch ids.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("countysync: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuidString(b[:])
}

func uuidString(b []byte) string {
	s := hex.EncodeToString(b)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// Lookup is what the mapping reads from the centre's store (app.Store has it).
type Lookup interface {
	Centre(ctx context.Context) (app.Centre, error)
	Windows(ctx context.Context) ([]app.Window, error)
	AllStaff(ctx context.Context) ([]app.Staff, error)
	Items(ctx context.Context) ([]app.ServiceItem, error)
	Transaction(ctx context.Context, id int64) (app.Transaction, error)
	Evaluation(ctx context.Context, id int64) (app.Evaluation, error)
}

// InvalidError is a record that must not be sent as it is: the reason goes
// to the manager's list of rejected records.
type InvalidError struct{ Reason string }

func (e *InvalidError) Error() string { return e.Reason }

func invalid(format string, args ...any) error {
	return &InvalidError{Reason: fmt.Sprintf(format, args...)}
}

// Mapper turns outbox rows into county records.
type Mapper struct {
	Settings Settings
	look     Lookup
	centre   app.Centre
	windows  map[int64]app.Window
	staff    map[int64]app.Staff
	items    map[string]app.ServiceItem
	serials  map[int64]string  // transaction id → serial (projectNo), bounded
	tagCodes map[string]string // tag name → the county's code (the pushed tag table)
	evalUIDs map[int64]string  // evaluation id → uid, for corrections, bounded
}

// maxCache bounds the id caches so a huge backlog keeps memory flat.
const maxCache = 100_000

// NewMapper reads the lookups (centre, windows, staff, items) once.
func NewMapper(ctx context.Context, look Lookup, s Settings) (*Mapper, error) {
	m := &Mapper{Settings: s, look: look}
	return m, m.Refresh(ctx)
}

// Refresh re-reads the lookups (a new window or item since the last drain).
func (m *Mapper) Refresh(ctx context.Context) error {
	c, err := m.look.Centre(ctx)
	if err != nil {
		return fmt.Errorf("read centre: %w", err)
	}
	ws, err := m.look.Windows(ctx)
	if err != nil {
		return fmt.Errorf("read windows: %w", err)
	}
	ss, err := m.look.AllStaff(ctx)
	if err != nil {
		return fmt.Errorf("read staff: %w", err)
	}
	its, err := m.look.Items(ctx)
	if err != nil {
		return fmt.Errorf("read items: %w", err)
	}
	m.centre = c
	m.windows = make(map[int64]app.Window, len(ws))
	for _, w := range ws {
		m.windows[w.ID] = w
	}
	m.staff = make(map[int64]app.Staff, len(ss))
	for _, s := range ss {
		m.staff[s.ID] = s
	}
	m.tagCodes = nil
	if st, ok := m.look.(SettingsStore); ok {
		kv, err := st.Settings(ctx, keyConfigTags)
		if err != nil {
			return fmt.Errorf("read tag table: %w", err)
		}
		m.tagCodes = tagCodes(kv)
	}
	m.items = make(map[string]app.ServiceItem, len(its))
	for _, it := range its {
		m.items[it.Code] = it
	}
	if m.serials == nil || len(m.serials) > maxCache {
		m.serials = map[int64]string{}
	}
	if m.evalUIDs == nil || len(m.evalUIDs) > maxCache {
		m.evalUIDs = map[int64]string{}
	}
	return nil
}

// AreaCode is the centre's area code as uploaded.
func (m *Mapper) AreaCode() string { return m.centre.AreaCode }

// Map turns one outbox row into its record, validated. An *InvalidError
// means the row can never be sent as it is; other errors are transient
// (a failed lookup) and the row stays pending.
func (m *Mapper) Map(ctx context.Context, row storage.OutboxRow) (Record, error) {
	if err := ValidAreaCode(m.centre.AreaCode); err != nil {
		return Record{}, err
	}
	var data any
	var kind string
	switch row.Kind {
	case storage.OutboxTransaction:
		var t app.Transaction
		if err := json.Unmarshal(row.Payload, &t); err != nil {
			return Record{}, invalid("办件记录内容无法解析：%v", err)
		}
		m.serials[t.ID] = t.Serial
		sd := m.service(t)
		data, kind = &sd, KindService
	case storage.OutboxEvaluation:
		var e app.Evaluation
		if err := json.Unmarshal(row.Payload, &e); err != nil {
			return Record{}, invalid("评价记录内容无法解析：%v", err)
		}
		m.evalUIDs[e.ID] = e.UID
		d, err := m.evaluation(ctx, e)
		if err != nil {
			return Record{}, err
		}
		data, kind = &d, KindEvaluation
	case storage.OutboxWorkOrder:
		var o storage.OrderPayload
		if err := json.Unmarshal(row.Payload, &o); err != nil {
			return Record{}, invalid("差评工单记录内容无法解析：%v", err)
		}
		d, err := m.workOrder(ctx, o)
		if err != nil {
			return Record{}, err
		}
		data, kind = &d, KindWorkOrder
	default:
		return Record{}, invalid("未知的记录类型：%s", row.Kind)
	}
	if err := validateData(data); err != nil {
		return Record{}, err
	}
	b, err := json.Marshal(data)
	if err != nil {
		return Record{}, invalid("记录无法编码：%v", err)
	}
	return Record{ID: RecordID(row), Kind: kind, Data: b}, nil
}

func (m *Mapper) service(t app.Transaction) ServiceData {
	it := m.items[t.ItemCode]
	name := t.ItemName
	if name == "" {
		name = it.Name
	}
	promise := m.Settings.PromiseCommitted
	if it.Instant {
		promise = m.Settings.PromiseInstant
	}
	status := "1"
	switch {
	case t.Status.Finished():
		status = "3"
	case t.Status == app.TxAccepted:
		status = "2"
	}
	accept := t.AcceptedAt
	if accept.IsZero() {
		accept = t.CreatedAt
	}
	d := ServiceData{
		ProjectNo: t.Serial, ServiceNumber: t.Visits, AreaCode: m.centre.AreaCode,
		DeptName: it.Department, TaskCode: t.ItemCode, TaskName: name, TaskType: m.Settings.TaskType,
		PromiseType: promise, ProChannel: "2", AcceptDate: fmtTime(accept), ResultDate: fmtTime(t.CompletedAt),
		ProStatus: status, UserProp: m.Settings.UserProp, UserName: t.ApplicantName,
		// IDHash is the keyed hash of the ID number: stable, never the number.
		CertKey: t.IDHash, HandleUserName: t.AgentName,
		ProManager: m.staff[t.ClerkID].No,
	}
	if w, ok := m.windows[t.WindowID]; ok {
		d.WindowNo = strconv.Itoa(w.Number)
	}
	return d
}

func (m *Mapper) serial(ctx context.Context, txID int64) (string, error) {
	if s, ok := m.serials[txID]; ok {
		return s, nil
	}
	t, err := m.look.Transaction(ctx, txID)
	if errors.Is(err, app.ErrNotFound) {
		return "", invalid("找不到评价所属的办件（编号 %d）", txID)
	}
	if err != nil {
		return "", err
	}
	m.serials[txID] = t.Serial
	return t.Serial, nil
}

func (m *Mapper) evaluation(ctx context.Context, e app.Evaluation) (EvaluationData, error) {
	if e.TransactionID == 0 {
		return EvaluationData{}, invalid("评价未关联办件，县级平台无法接收")
	}
	pno, err := m.serial(ctx, e.TransactionID)
	if err != nil {
		return EvaluationData{}, err
	}
	pf, ok := m.Settings.PF[e.Channel]
	if !ok {
		pf = 5
	}
	ds, ok := m.Settings.DataSource[e.Channel]
	if !ok {
		ds = m.Settings.DataSource[""]
	}
	d := EvaluationData{
		ProjectNo: pno, ServiceNumber: e.Visit, AreaCode: m.centre.AreaCode, PF: pf,
		Satisfaction: m.satisfaction(e.Level), Unrated: !e.Level.Valid(), EvalDetail: m.evalDetail(e.Tags),
		WritingEvaluation: e.Text, AssessTime: fmtTime(e.RatedAt), AssessNumber: 1,
		IsDefault: e.Kind == app.KindTimeout, DataSource: ds, EvalID: e.UID,
	}
	if e.Kind == app.KindFollowUp {
		d.AssessNumber = 2
	}
	if e.Level.Valid() {
		switch e.Dimension {
		case app.DimWindow:
			d.Dimensions = map[string]int{"staff": *d.Satisfaction, "channel": *d.Satisfaction}
		case app.DimItem:
			d.Dimensions = map[string]int{"item": *d.Satisfaction}
		}
	}
	if e.CorrectsID != 0 {
		uid, ok := m.evalUIDs[e.CorrectsID]
		if !ok {
			old, err := m.look.Evaluation(ctx, e.CorrectsID)
			if err != nil {
				return EvaluationData{}, err
			}
			uid = old.UID
		}
		d.Corrects = uid
	}
	// The sender checks the content rule on the app's level, whatever the
	// county's direction: a bad rating (below 基本满意) needs a reason.
	if e.Level.Valid() && e.Level < app.LevelBasic && len(e.Tags) == 0 && strings.TrimSpace(e.Text) == "" {
		return EvaluationData{}, invalid("差评（%s）既无评价标签也无文字说明，县级平台不予接收；请补充说明后重新上传", e.Level.Name())
	}
	return d, nil
}

// evalDetail is the tags as the county's codes (the pushed tag table); a
// tag the table does not know goes by its name.
func (m *Mapper) evalDetail(tags []string) string {
	if len(m.tagCodes) == 0 {
		return strings.Join(tags, ",")
	}
	codes := make([]string, len(tags))
	for i, t := range tags {
		if c, ok := m.tagCodes[t]; ok {
			codes[i] = c
		} else {
			codes[i] = t
		}
	}
	return strings.Join(codes, ",")
}

// satisfaction encodes a level in the configured direction; 未评 has none.
func (m *Mapper) satisfaction(l app.Level) *int {
	if !l.Valid() {
		return nil
	}
	v := int(l)
	if m.Settings.SatisfactionDescending {
		v = 6 - v
	}
	return &v
}

var verdictNames = map[app.Verdict]string{
	app.VerdictPending: "待核实", app.VerdictValid: "有效", app.VerdictMistaken: "误评", app.VerdictMalicious: "恶意",
}

func (m *Mapper) workOrder(ctx context.Context, o storage.OrderPayload) (WorkOrderData, error) {
	if o.TransactionID == 0 {
		return WorkOrderData{}, invalid("差评工单未关联办件，县级平台无法接收")
	}
	pno, err := m.serial(ctx, o.TransactionID)
	if err != nil {
		return WorkOrderData{}, err
	}
	d := WorkOrderData{
		ProjectNo: pno, AreaCode: m.centre.AreaCode, OrderNo: o.UID, Status: o.State.Name(),
		Verdict: verdictNames[o.Verdict], ContactTime: fmtTime(o.RepliedAt),
		CallbackResult: string(o.CallbackResult), ClosedTime: fmtTime(o.ClosedAt),
	}
	if o.Category != "" {
		d.Category = o.Category.Name()
	}
	if o.Step != nil && o.Step.Step == "rectified" {
		d.RectifyResult = o.Step.Detail
	}
	return d, nil
}

// ValidAreaCode checks a 12-digit 行政区划代码.
func ValidAreaCode(code string) error {
	if len(code) != 12 || strings.Trim(code, "0123456789") != "" {
		return invalid("中心的行政区划代码（%q）不是12位数字，请在中心设置中改正", code)
	}
	return nil
}

// decodeRecord parses a record's data by kind (*ServiceData,
// *EvaluationData or *WorkOrderData) and validates it.
func decodeRecord(r Record) (any, error) {
	if r.ID == "" {
		return nil, invalid("记录缺少 id")
	}
	var d any
	switch r.Kind {
	case KindService:
		d = &ServiceData{}
	case KindEvaluation:
		d = &EvaluationData{}
	case KindWorkOrder:
		d = &WorkOrderData{}
	default:
		return nil, invalid("未知的记录类型：%s", r.Kind)
	}
	if err := json.Unmarshal(r.Data, d); err != nil {
		return nil, invalid("%s记录格式错误：%v", kindNames[r.Kind], err)
	}
	return d, validateData(d)
}

var kindNames = map[string]string{KindService: "办件", KindEvaluation: "评价", KindWorkOrder: "工单"}

// validateData checks one record's fields; the sender calls it on the data
// it is about to encode, so nothing is decoded again.
func validateData(data any) error {
	switch d := data.(type) {
	case *ServiceData:
		if d.ProjectNo == "" {
			return invalid("办件记录缺少办件编号 projectNo")
		}
		return ValidAreaCode(d.AreaCode)
	case *EvaluationData:
		if d.ProjectNo == "" {
			return invalid("评价记录缺少办件编号 projectNo")
		}
		if err := ValidAreaCode(d.AreaCode); err != nil {
			return err
		}
		switch {
		case d.Unrated && d.Satisfaction != nil:
			return invalid("未评记录（unrated）不应带满意度 satisfaction=%d", *d.Satisfaction)
		case d.Unrated && !d.IsDefault:
			return invalid("未评记录（unrated）应为系统默认评价 isDefault=true")
		case !d.Unrated && d.Satisfaction == nil:
			return invalid("评价记录缺少满意度 satisfaction（未评应标记 unrated）")
		case !d.Unrated && (*d.Satisfaction < 1 || *d.Satisfaction > 5):
			return invalid("满意度 satisfaction=%d 无效，应为1至5", *d.Satisfaction)
		}
		if d.AssessNumber != 1 && d.AssessNumber != 2 {
			return invalid("评价次数 assessNumber=%d 无效", d.AssessNumber)
		}
		if len(d.DataSource) != 3 {
			return invalid("数据来源 dataSource=%q 应为3位", d.DataSource)
		}
		return nil
	case *WorkOrderData:
		if d.ProjectNo == "" || d.OrderNo == "" {
			return invalid("工单记录缺少办件编号或工单编号")
		}
		return ValidAreaCode(d.AreaCode)
	}
	return invalid("未知的记录内容：%T", data)
}

// badWithoutReason is the receiver's content rule in the spec's terms, given
// the direction the county uses.
func badWithoutReason(d EvaluationData, descending bool) bool {
	if d.Satisfaction == nil {
		return false
	}
	bad := *d.Satisfaction >= 1 && *d.Satisfaction < 3
	if descending {
		bad = *d.Satisfaction > 3
	}
	return bad && strings.TrimSpace(d.EvalDetail) == "" && strings.TrimSpace(d.WritingEvaluation) == ""
}
