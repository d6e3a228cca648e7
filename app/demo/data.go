package demo

import "bianmin/app"

// itemDef is one catalogue entry of the demo centre with its queue category
// (A 综合受理, B 社保医保, C 不动产) and how often it is asked for.
type itemDef struct {
	app.ServiceItem
	Cat    byte
	Weight int
}

func item(cat byte, w int, code, name, dept string, instant bool, days int, mats ...string) itemDef {
	return itemDef{ServiceItem: app.ServiceItem{Code: code, Name: name, Department: dept, Instant: instant,
		PromiseDays: days, Materials: mats, Active: true}, Cat: cat, Weight: w}
}

// catalogue: 40 items a township centre typically handles, plus two 一件事 themes.
// Time limits and materials follow common county 办事指南; they are demo data,
// not any county's official catalogue.
var catalogue = []itemDef{
	// 社保医保专窗 (B)
	item('B', 14, "RS001", "城乡居民基本养老保险参保登记", "人力资源和社会保障所", true, 0, "居民身份证", "户口簿"),
	item('B', 6, "RS002", "城乡居民基本养老保险待遇申领", "人力资源和社会保障所", false, 5, "居民身份证", "户口簿", "本人银行卡"),
	item('B', 2, "RS003", "城乡居民基本养老保险关系转移接续", "人力资源和社会保障所", false, 10, "居民身份证", "转移接续申请表"),
	item('B', 3, "RS004", "城乡居民基本养老保险丧葬补助金申领", "人力资源和社会保障所", false, 5, "死亡证明", "户口注销证明", "申领人身份证", "申领人银行卡"),
	item('B', 6, "RS005", "社会保障卡申领", "人力资源和社会保障所", false, 10, "居民身份证", "近期免冠照片"),
	item('B', 5, "RS006", "社会保障卡挂失与补换", "人力资源和社会保障所", true, 0, "居民身份证"),
	item('B', 2, "RS007", "就业创业证申领", "人力资源和社会保障所", true, 0, "居民身份证", "近期免冠照片"),
	item('B', 2, "RS008", "灵活就业人员社会保险登记", "人力资源和社会保障所", true, 0, "居民身份证"),
	item('B', 14, "YB001", "城乡居民医疗保险参保登记", "医疗保障服务站", true, 0, "居民身份证或户口簿"),
	item('B', 4, "YB002", "医疗费用手工（零星）报销", "医疗保障服务站", false, 15, "医疗费用发票", "费用明细清单", "出院记录", "本人银行卡"),
	item('B', 3, "YB003", "异地就医备案", "医疗保障服务站", true, 0, "居民身份证", "异地就医备案表"),
	item('B', 2, "YB004", "门诊慢特病待遇认定", "医疗保障服务站", false, 10, "居民身份证", "二级以上医院诊断证明", "相关检查报告"),
	// 综合受理 (A)
	item('A', 3, "MZ001", "最低生活保障申请", "民政办", false, 20, "申请书", "居民身份证", "户口簿", "家庭收入及财产申报表", "家庭经济状况核对授权书"),
	item('A', 1, "MZ002", "特困人员救助供养申请", "民政办", false, 20, "申请书", "居民身份证", "户口簿", "家庭经济状况核对授权书"),
	item('A', 3, "MZ003", "临时救助申请", "民政办", false, 10, "申请书", "居民身份证", "户口簿", "困难情况证明材料"),
	item('A', 6, "MZ004", "高龄津贴申领", "民政办", false, 5, "居民身份证", "户口簿", "本人银行卡"),
	item('A', 3, "MZ005", "困难残疾人生活补贴和重度残疾人护理补贴申请", "民政办", false, 10, "居民身份证", "残疾人证", "户口簿"),
	item('A', 1, "MZ006", "孤儿基本生活费申请", "民政办", false, 15, "申请表", "儿童户口簿", "父母死亡证明或失踪证明"),
	item('A', 2, "MZ007", "惠民殡葬补贴申领", "民政办", false, 5, "火化证明", "死者户口注销证明", "经办人身份证"),
	item('A', 4, "MZ008", "老年人优待证办理", "民政办", true, 0, "居民身份证", "近期免冠照片"),
	item('A', 3, "CL001", "残疾人证申领", "残疾人联合会", false, 15, "居民身份证", "户口簿", "近期免冠照片", "残疾评定表"),
	item('A', 1, "CL002", "残疾人证换领", "残疾人联合会", false, 10, "原残疾人证", "居民身份证", "近期免冠照片"),
	item('A', 6, "WJ001", "生育登记", "卫生健康办", true, 0, "夫妻双方居民身份证", "结婚证"),
	item('A', 1, "WJ002", "独生子女父母光荣证", "卫生健康办", true, 0, "夫妻双方居民身份证", "户口簿", "结婚证"),
	item('A', 2, "WJ003", "农村部分计划生育家庭奖励扶助申请", "卫生健康办", false, 20, "申请表", "居民身份证", "户口簿", "独生子女证或相关证明"),
	item('A', 1, "WJ004", "计划生育特殊家庭扶助申请", "卫生健康办", false, 20, "申请表", "居民身份证", "子女死亡或伤残证明"),
	item('A', 5, "SJ001", "营业执照办理（个体工商户）", "市场监督管理所", true, 0, "经营者居民身份证", "经营场所使用证明"),
	item('A', 2, "SJ002", "个体工商户变更登记", "市场监督管理所", true, 0, "营业执照正副本", "变更登记申请书"),
	item('A', 2, "SJ003", "小餐饮经营许可证核发", "市场监督管理所", false, 10, "申请书", "营业执照", "从业人员健康证明"),
	item('A', 4, "GA001", "居住证申领", "派出所驻中心窗口", false, 10, "居民身份证", "近期免冠照片", "居住证明"),
	item('A', 2, "GA002", "居住证签注", "派出所驻中心窗口", true, 0, "居住证", "居住证明"),
	item('A', 2, "TY001", "退役军人优待证申领", "退役军人服务站", false, 15, "居民身份证", "退役证件", "近期免冠照片"),
	item('A', 1, "TY002", "优抚对象定期抚恤补助申请", "退役军人服务站", false, 15, "申请表", "居民身份证", "优抚对象证件"),
	item('A', 2, "NY001", "农村土地承包经营权流转合同备案", "农业综合服务中心", false, 5, "流转合同", "承包经营权证", "双方身份证"),
	item('A', 4, "NY002", "耕地地力保护补贴申报", "农业综合服务中心", true, 0, "居民身份证", "承包地确权证明", "一卡通"),
	item('A', 1, "NY003", "农机购置补贴申请", "农业综合服务中心", false, 10, "购机发票", "居民身份证", "农机合格证"),
	// 不动产专窗 (C)
	item('C', 4, "NY004", "农村宅基地申请", "农业综合服务中心", false, 20, "宅基地申请表", "户口簿", "居民身份证", "村民小组意见"),
	item('C', 2, "ZR001", "乡村建设规划许可证核发", "自然资源所", false, 20, "申请表", "宅基地批准文件", "建房设计图"),
	item('C', 5, "BDC001", "不动产登记（农村房屋）受理", "不动产登记服务站", false, 20, "不动产登记申请书", "权属来源证明", "居民身份证", "地籍调查成果"),
	item('C', 3, "BDC002", "不动产登记资料查询", "不动产登记服务站", true, 0, "居民身份证", "查询申请书"),
}

// themes: 一件事 bundles (GB39734 7.1.3); the children are on-the-spot items.
var themes = []struct {
	Item     app.ServiceItem
	Children []string
}{
	{app.ServiceItem{Code: "ZT001", Name: "新生儿出生“一件事”", Department: "卫生健康办（牵头）", Instant: true, Active: true,
		Materials: []string{"出生医学证明", "父母居民身份证", "结婚证", "户口簿"}}, []string{"WJ001", "YB001"}},
	{app.ServiceItem{Code: "ZT002", Name: "个体开业“一件事”", Department: "市场监督管理所（牵头）", Instant: true, Active: true,
		Materials: []string{"经营者居民身份证", "经营场所使用证明"}}, []string{"SJ001", "RS008", "RS007"}},
}

// windows of the demo centre. Category letters say which tickets a window calls;
// '-' is the 出件 window, which serves pick-ups without a ticket.
var windowDefs = []struct {
	Name, Kind string
	Cat        byte
}{
	{"综合受理窗口", "综合受理", 'A'},
	{"综合受理窗口", "综合受理", 'A'},
	{"综合受理窗口", "综合受理", 'A'},
	{"综合出件窗口", "综合出件", '-'},
	{"社保医保专窗", "专窗", 'B'},
	{"不动产专窗", "专窗", 'C'},
}

var categoryDefs = []struct {
	Prefix byte
	Name   string
	Share  float64 // of the day's tickets
}{
	{'A', "综合受理", 0.58},
	{'B', "社保医保", 0.28},
	{'C', "不动产登记", 0.14},
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史贺顾毛郝龚邵万钱严武戴孔汤")

var givenChars = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红玲建国春梅海燕志强德福淑珍文俊凤琴宏亮金凤秀兰永庆国华晓东小红丽娟学军春生秋菊冬梅")

var mobilePrefixes = []string{"130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
	"152", "153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "199"}

var badTexts = []string{
	"排队等了一个多小时，窗口开得太少",
	"材料要求前后说法不一致，跑了两趟",
	"工作人员态度冷淡，问了几遍才回答",
	"系统故障，等了很久也没办成",
	"没有一次性告知需要什么材料",
	"说好五个工作日办好，到期还没办结",
	"大厅太吵，座位不够",
	"窗口人员中午提前离岗",
}

var goodTexts = []string{"办事很快，一次办好", "工作人员很耐心", "帮老人代办，很贴心", "指引清楚", ""}

var agentKinds = []string{"村级代办员", "镇帮办代办员", "子女", "村网格员"}
