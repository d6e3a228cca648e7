package pinyinime

// The ranking data. The pinyin of every character comes from go-pinyin
// (its dictionary is generated from the Unicode Unihan database); the set
// of common characters is GB 2312-80's level 1 (一级汉字, 3,755 characters
// chosen by frequency of use), taken from golang.org/x/text's GBK tables.
// Only the order in which names are proposed is written down here, each
// list with its source.

// Surnames are the most common single-character surnames in order, from the
// Ministry of Public Security's 《2020年全国姓名报告》 (top 100).
var Surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史贺顾毛郝龚邵万钱严武戴孔汤覃黎易常乔武温康施洪牛文")

// surnameReadings is the reading of a polyphonic character as a surname
// (《现代汉语词典》: 曾 zēng, 单 shàn, 解 xiè …), where it is not the
// character's common one.
var surnameReadings = map[rune]string{
	'曾': "zeng", '单': "shan", '解': "xie", '仇': "qiu", '区': "ou", '朴': "piao", '查': "zha",
	'盖': "ge", '乐': "yue", '缪': "miao", '覃': "qin", '员': "yun", '种': "chong", '繁': "po",
	'尉': "yu", '长': "zhang", '万': "wan", '句': "gou", '葛': "ge", '召': "shao",
}

// Compound lists the 复姓 still common today (《百家姓》; 《2020年全国姓名报
// 告》 names 欧阳 the most frequent), in that order.
var Compound = []string{"欧阳", "上官", "司马", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
	"长孙", "宇文", "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "钟离", "闻人",
	"申屠", "澹台", "公冶", "宗政", "濮阳", "太叔", "万俟"}

// compoundReadings spells the compound surnames whose first character is
// polyphonic.
var compoundReadings = map[string]string{"尉迟": "yuchi", "长孙": "zhangsun", "万俟": "moqi", "单于": "chanyu"}

// NameChars are the characters most used in given names, most frequent
// first: those of 《2020年全国姓名报告》's lists over the generations (英 华 玉
// 秀 文 明 … for those born before 1980, 子 梓 浩 宇 轩 涵 … after 2000).
var NameChars = []rune("英华玉秀文明兰金国春红丽建平海芳军霞志永林桂小荣新美珍立德云凤晓伟敏燕俊勇宇强成清辉利家梅涛振东" +
	"晨子浩轩梓涵欣怡婷佳雨萱嘉杰博思雪慧静丹琳颖琴洁娟娜艳萍玲斌鹏飞超磊刚宏亮庆福生祥瑞瑶诗睿泽然一诺安可心悦沐宸阳" +
	"淑娥英翠莲花菊凤琼兴贵民忠宝秋冬雷鑫鹤亚欢乐群彩霖泉")

// CommonChars are the most frequent characters of running text (Jun Da's
// Modern Chinese character frequency list, top 100), for notes.
var CommonChars = []rune("的一是不了在人有我他这个们中来上大为和国地到以说时要就出也得里后自会家可下而过天去能对小多然于心学么之都好" +
	"看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回位分爱老因很给名法间" +
	"斯知世什两次使身者被高已亲其进此话常与活正感")
