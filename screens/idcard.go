package screens

import (
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// IDCardRead is what the window's ID card reader read: the name and number
// on the card, or Problem (Chinese) when a card was there but not read.
type IDCardRead struct {
	Name, Number string
	Problem      string
}

// CardRead fills 申请人 and 身份证号 from a card placed on the reader (JZ
// 4.3.1.1), as if typed: the number is checked (GB 11643), then kept only as
// IDNumber and shown masked. A form already registered is not touched, and a
// problem is told in the status line; nothing wrong is ever filled in. On
// the UI goroutine.
func (c *Counter) CardRead(r IDCardRead) {
	if r.Problem != "" {
		c.status(false, "读卡器："+r.Problem)
		return
	}
	if c.locked() {
		c.status(false, "读卡器：本窗口的办件已登记，请先受理、办结或清空表单，再读下一张身份证")
		return
	}
	id, err := app.ValidateIDNumber(r.Number)
	if err != nil || r.Name == "" {
		c.env.log().Warn("counter: card not taken", "code", app.ErrorCode(err), "err", err)
		c.status(false, "读卡器：身份证信息无效（"+app.UserMessage(err)+"），未填入，请重新放卡或手工输入")
		return
	}
	c.restored = true // one draft save below, not one per field
	setText(&c.Name.Entry, r.Name)
	c.IDNumber = id
	c.IDMasked.SetText(app.MaskID(id) + "　✔ 已读卡")
	setHint(c.IDHint, "", widget.LowImportance)
	setText(&c.ID.Entry, "")
	c.showIDMode(true)
	c.restored = false
	c.changed()
	c.status(true, "已读取身份证："+app.MaskName(r.Name)+"　"+app.MaskID(id)+"，请填写联系电话和办理事项")
	c.focus(c.Phone)
}
