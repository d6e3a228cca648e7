package app

import (
	"fmt"
	"time"
)

// Level is a rating level, 1 (非常不满意) to 5 (非常满意): the TA star count.
// 0 means "no level" (an unrated timeout). Scores and the good/bad split come
// from the policy profile, not from here.
type Level int

// The five levels of GB/T 39734 and SZ art. 7.
const (
	LevelNone     Level = 0
	LevelVeryBad  Level = 1 // 非常不满意
	LevelBad      Level = 2 // 不满意
	LevelBasic    Level = 3 // 基本满意
	LevelGood     Level = 4 // 满意
	LevelVeryGood Level = 5 // 非常满意
)

var levelNames = [...]string{"未评", "非常不满意", "不满意", "基本满意", "满意", "非常满意"}

// Name is the Chinese name of the level.
func (l Level) Name() string {
	if l < 0 || int(l) >= len(levelNames) {
		return fmt.Sprintf("等级%d", int(l))
	}
	return levelNames[l]
}

// Valid reports whether l is one of the five rating levels.
func (l Level) Valid() bool { return l >= LevelVeryBad && l <= LevelVeryGood }

// Channel is how a rating reached us. The codes are stable (stored and uploaded).
type Channel string

// Channels a township centre serves (DOMAIN.md "Channels").
const (
	ChannelKeypad      Channel = "keypad"      // 评价器
	ChannelTablet      Channel = "tablet"      // 窗口双屏 / 政务大厅平板电脑
	ChannelQR          Channel = "qr"          // 二维码 (phone)
	ChannelPaper       Channel = "paper"       // 书面评价表
	ChannelSelfService Channel = "selfservice" // 自助终端
	ChannelSMS         Channel = "sms"         // 短信
	ChannelHotline     Channel = "hotline"     // 12345热线
	ChannelBook        Channel = "book"        // 意见簿/意见箱
	ChannelCallback    Channel = "callback"    // 电话回访 (办件随机抽评)
	ChannelSystem      Channel = "system"      // 系统 (timeouts)
)

var channelNames = map[Channel]string{
	ChannelKeypad: "评价器", ChannelTablet: "政务大厅平板电脑", ChannelQR: "二维码",
	ChannelPaper: "书面评价表", ChannelSelfService: "自助终端", ChannelSMS: "短信",
	ChannelHotline: "12345热线", ChannelBook: "意见簿/意见箱", ChannelCallback: "电话回访",
	ChannelSystem: "系统",
}

// Channels lists every channel in display order.
func Channels() []Channel {
	return []Channel{ChannelKeypad, ChannelTablet, ChannelQR, ChannelPaper, ChannelSelfService,
		ChannelSMS, ChannelHotline, ChannelBook, ChannelCallback, ChannelSystem}
}

// Name is the Chinese name of the channel.
func (c Channel) Name() string {
	if n, ok := channelNames[c]; ok {
		return n
	}
	return string(c)
}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { _, ok := channelNames[c]; return ok }

// Dimension is what a rating rates (SZ art. 8).
type Dimension string

// Dimensions. At a window one rating covers staff and channel (DimWindow);
// after completion the item is rated (DimItem); theme and follow-up ratings are overall.
const (
	DimOverall Dimension = "overall" // 总体评价
	DimWindow  Dimension = "window"  // 工作人员 + 服务渠道 (one visit to a window)
	DimItem    Dimension = "item"    // 服务事项评价
)

// Name is the Chinese name of the dimension.
func (d Dimension) Name() string {
	switch d {
	case DimOverall:
		return "总体评价"
	case DimWindow:
		return "窗口服务评价"
	case DimItem:
		return "服务事项评价"
	}
	return string(d)
}

// EvalKind tells an active rating from a timeout and a follow-up.
type EvalKind string

// Kinds of evaluation rows.
const (
	KindActive   EvalKind = "active"   // 主动评价: given by the person
	KindTimeout  EvalKind = "timeout"  // 超时: 未评, or the profile's default level; never 主动评价
	KindFollowUp EvalKind = "followup" // 追加评价 (SZ 16)
)

// Rater says who gave an active rating for 帮办代办 cases.
type Rater string

// Raters.
const (
	RaterApplicant Rater = "applicant"
	RaterAgent     Rater = "agent"
)

// Role is a staff role. Manager-only actions are enforced in app/.
type Role string

// Roles.
const (
	RoleClerk   Role = "clerk"
	RoleManager Role = "manager"
)

// Name is the Chinese role name.
func (r Role) Name() string {
	if r == RoleManager {
		return "中心负责人"
	}
	return "窗口工作人员"
}

// Centre is the one installation.
type Centre struct {
	Name     string
	AreaCode string // 12-digit 行政区划代码
	Profile  string // policy profile name
}

// Window is a service window.
type Window struct {
	ID     int64
	Number int    // 窗口号 shown to the public
	Name   string // e.g. 综合受理窗口
	Kind   string // 综合受理 / 综合出件 / 专窗 / 跨域通办 / 惠企政策 / 办不成事反映
	Active bool
}

// Staff is a clerk or manager.
type Staff struct {
	ID      int64
	No      string // 工号
	Name    string
	Role    Role
	PINHash string
	Active  bool
}

// Post assigns a clerk to a window as its A or B clerk (AB岗, JZ 7.6.4).
type Post struct {
	WindowID int64
	StaffID  int64
	Post     string // "A" or "B"
}

// ServiceItem is an entry of the 事项清单.
type ServiceItem struct {
	Code        string // 事项编码
	Name        string
	Department  string
	Instant     bool // 即办件; false = 承诺件
	PromiseDays int  // 承诺办结时限 (working days) for 承诺件
	Materials   []string
	Pinyin      string // initials for search, e.g. "hjqy" (optional)
	Active      bool
}

// QueueCategory is a business category with its ticket letter.
type QueueCategory struct {
	ID      int64
	Prefix  string // "A"
	Name    string // 综合受理
	Windows []int64
}

// TxStatus is the state of a transaction.
type TxStatus string

// Transaction states (受理 / 办结 / 退件 / 不予受理).
const (
	TxRegistered TxStatus = "registered"
	TxAccepted   TxStatus = "accepted"
	TxCompleted  TxStatus = "completed"
	TxReturned   TxStatus = "returned"
	TxRefused    TxStatus = "refused"
)

// Name is the Chinese status name.
func (s TxStatus) Name() string {
	switch s {
	case TxRegistered:
		return "已登记"
	case TxAccepted:
		return "已受理"
	case TxCompleted:
		return "已办结"
	case TxReturned:
		return "退件"
	case TxRefused:
		return "不予受理"
	}
	return string(s)
}

// Finished reports whether the transaction has ended (办结, including 退件/不予受理 per SZ 17).
func (s TxStatus) Finished() bool { return s == TxCompleted || s == TxReturned || s == TxRefused }

// Transaction is one 办件.
type Transaction struct {
	ID            int64
	Serial        string // 办件流水号
	ItemCode      string
	ItemName      string // filled on read
	BatchID       string // transactions of one 批量业务 share it (GB39734 7.1.2)
	BatchCount    int    // declarations covered by this row (>=1)
	ThemeParentID int64  // 一件事: the parent transaction; 0 when none
	IsTheme       bool   // this row is a theme parent
	AgentName     string // 帮办代办人; empty when none
	ApplicantName string
	IDMasked      string // e.g. 110101********1234
	IDHash        string // keyed hash of the full ID number, for matching only
	Phone         string
	WindowID      int64
	ClerkID       int64
	TicketID      int64
	Status        TxStatus
	Visits        int // window visits so far (承诺件 may be rated each visit)
	CreatedAt     time.Time
	AcceptedAt    time.Time // zero when not yet
	CompletedAt   time.Time // zero when not finished
	UID           string    // stable id for upload
}

// Evaluation is one stored rating row. Rows are append-only: the database
// refuses UPDATE and DELETE; a correction is a new row with CorrectsID set.
type Evaluation struct {
	ID            int64
	UID           string // stable id for upload and idempotency
	EventID       string // rows created by one rating (batch/theme) share it
	TransactionID int64
	Visit         int // visit number the rating is for (DimWindow); 0 otherwise
	Dimension     Dimension
	Level         Level
	Tags          []string
	Text          string
	Channel       Channel
	Device        string
	Kind          EvalKind
	Rater         Rater
	EvaluatorName string // real name where known (SZ 13); never shown to the rated clerk
	EvaluatorTel  string // for call-backs; masked wherever shown
	CorrectsID    int64  // the row this one corrects; 0 when none
	FormNo        string // paper form number, when entered from a form
	EnteredBy     int64  // staff who entered it (paper forms, hotline, call-backs)
	WindowID      int64  // denormalised from the transaction at rating time
	ClerkID       int64
	ItemCode      string
	RatedAt       time.Time // when the person rated (the date on a paper form)
	CreatedAt     time.Time // when stored
}

// Verdict is the outcome of verifying a bad review (SZ 27).
type Verdict string

// Verdicts. Pending counts as valid until verified (a bad review stands until disproved).
const (
	VerdictPending   Verdict = ""
	VerdictValid     Verdict = "valid"     // 有效差评
	VerdictMistaken  Verdict = "mistaken"  // 误评
	VerdictMalicious Verdict = "malicious" // 恶意评价
)

// Invalid reports whether the verdict makes the bad review 无效差评.
func (v Verdict) Invalid() bool { return v == VerdictMistaken || v == VerdictMalicious }

// Name is the Chinese name.
func (v Verdict) Name() string {
	switch v {
	case VerdictValid:
		return "有效差评"
	case VerdictMistaken:
		return "误评"
	case VerdictMalicious:
		return "恶意评价"
	}
	return "待核实"
}

// OrderCategory classifies a work order (SZ 23).
type OrderCategory string

// Work order categories.
const (
	CatItem   OrderCategory = "item"   // 事项/流程
	CatSystem OrderCategory = "system" // 系统
	CatStaff  OrderCategory = "staff"  // 人员
)

// Name is the Chinese name.
func (c OrderCategory) Name() string {
	switch c {
	case CatItem:
		return "事项/流程"
	case CatSystem:
		return "系统"
	case CatStaff:
		return "人员"
	}
	return "未分类"
}

// OrderState is where a bad-review work order stands.
type OrderState string

// Work order states of the closed loop (GB39735 8.4.2).
const (
	OrderOpen       OrderState = "open"       // 待联系
	OrderContacted  OrderState = "contacted"  // 已联系 (已回复)
	OrderRectifying OrderState = "rectifying" // 整改中
	OrderRectified  OrderState = "rectified"  // 已整改, 待回访
	OrderCalledBack OrderState = "calledback" // 已回访
	OrderClosed     OrderState = "closed"     // 已办结
)

// Name is the Chinese name.
func (s OrderState) Name() string {
	switch s {
	case OrderOpen:
		return "待联系"
	case OrderContacted:
		return "已联系"
	case OrderRectifying:
		return "整改中"
	case OrderRectified:
		return "待回访"
	case OrderCalledBack:
		return "已回访"
	case OrderClosed:
		return "已办结"
	}
	return string(s)
}

// CallbackResult is the evaluator's view of the rectification.
type CallbackResult string

// Call-back results.
const (
	CallbackNone         CallbackResult = ""
	CallbackSatisfied    CallbackResult = "满意"
	CallbackBasic        CallbackResult = "基本满意"
	CallbackNotSatisfied CallbackResult = "不满意"
)

// WorkOrder is the 差评工单 created for every bad review (SZ 22).
type WorkOrder struct {
	ID             int64
	UID            string
	EvaluationID   int64
	TransactionID  int64
	ClerkID        int64 // the rated clerk (for 人员 orders)
	WindowID       int64
	ItemCode       string
	Category       OrderCategory
	AssigneeID     int64
	State          OrderState
	Verdict        Verdict
	OnSite         bool // settled on the spot (现场化解, JZ 8.2.1.3)
	CreatedAt      time.Time
	ContactDue     time.Time
	FinishDue      time.Time
	RepliedAt      time.Time // contact / reply to the evaluator; zero when not yet
	RectifiedAt    time.Time
	CalledBackAt   time.Time
	CallbackResult CallbackResult
	ClosedAt       time.Time
}

// OrderStep is one recorded step of a work order: who, when, what.
type OrderStep struct {
	ID      int64
	OrderID int64
	StaffID int64
	At      time.Time
	Step    string // contacted / verified / rectified / extended / calledback / closed / assigned / appeal / appeal_decision / onsite
	Detail  string
}

// AuditEntry records who did what.
type AuditEntry struct {
	At      time.Time
	StaffID int64
	Action  string
	Detail  string
}
