"""Realistic content for the generated exports: products, test items, firms, projects.

None of this is contract data (aliases, vocabularies and reference tables come from the
contract); it only makes the samples read like the tables Yichun's offices publish, so a
person looking at a generated file sees the kind of thing the reader will meet.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FailItem:
    """A test item a product can fail: name, a failing result and the standard value."""

    item: str
    measured: str
    limit: str


@dataclass(frozen=True)
class Product:
    """A sampled product: kind (food/drug/industrial), the clerk's type word, category."""

    name: str
    kind: str
    type_word: str
    category: str
    spec: str
    fail_items: tuple[FailItem, ...]


def _p(name: str, kind: str, word: str, cat: str, spec: str, *items: tuple[str, str, str]):
    return Product(name, kind, word, cat, spec, tuple(FailItem(*i) for i in items))


PRODUCTS: tuple[Product, ...] = (
    _p("芹菜", "food", "食用农产品", "蔬菜", "散装称重",
       ("毒死蜱", "0.12mg/kg", "≤0.05mg/kg"), ("吡虫啉", "7.47mg/kg", "≤0.2mg/kg"),
       ("噻虫胺", "0.35mg/kg", "≤0.04mg/kg")),
    _p("韭菜", "food", "食用农产品", "蔬菜", "散装称重",
       ("腐霉利", "1.27mg/kg", "≤0.2mg/kg"), ("氯氟氰菊酯和高效氯氟氰菊酯", "0.81mg/kg",
       "≤0.5mg/kg")),
    _p("豇豆", "food", "食用农产品", "蔬菜", "散装称重",
       ("灭蝇胺", "1.06mg/kg", "≤0.5mg/kg"), ("噻虫胺", "0.22mg/kg", "≤0.01mg/kg")),
    _p("鸡蛋", "food", "食用农产品", "鲜蛋", "散装称重",
       ("恩诺沙星", "28.6μg/kg", "不得检出"), ("氟苯尼考", "12.1μg/kg", "不得检出")),
    _p("草鱼", "food", "食用农产品", "水产品", "散装称重",
       ("孔雀石绿", "2.4μg/kg", "不得检出"), ("恩诺沙星", "322μg/kg", "≤100μg/kg")),
    _p("大米", "food", "食品", "粮食加工品", "10kg/袋",
       ("镉(以Cd计)", "0.32mg/kg", "≤0.2mg/kg"),),
    _p("馒头", "food", "食品", "粮食加工品", "散装称重",
       ("脱氢乙酸及其钠盐(以脱氢乙酸计)", "0.79g/kg", "不得使用"),
       ("糖精钠(以糖精计)", "0.056g/kg", "不得使用")),
    _p("米粉", "food", "食品", "粮食加工品", "500g/袋",
       ("二氧化硫残留量", "0.12g/kg", "不得使用"),),
    _p("白酒", "food", "食品", "酒类", "500mL/瓶、52%vol",
       ("酒精度", "48.2%vol", "52.0±1.0%vol"), ("甜蜜素(以环己基氨基磺酸计)", "0.11g/kg",
       "不得使用")),
    _p("菜籽油", "food", "食品", "食用油、油脂及其制品", "5L/桶",
       ("酸价(KOH)", "4.5mg/g", "≤3mg/g"), ("苯并[a]芘", "15.2μg/kg", "≤10μg/kg")),
    _p("牛肉干", "food", "食品", "肉制品", "100g/袋",
       ("菌落总数", "2.3×10⁵CFU/g", "≤1×10⁴CFU/g"), ("山梨酸及其钾盐(以山梨酸计)",
       "0.149g/kg", "≤0.075g/kg")),
    _p("腐竹", "food", "食品", "豆制品", "250g/袋",
       ("苯甲酸及其钠盐(以苯甲酸计)", "0.231g/kg", "不得使用"),),
    _p("花生", "food", "食品", "炒货食品及坚果制品", "散装称重",
       ("黄曲霉毒素B₁", "32.7μg/kg", "≤20μg/kg"), ("酸价(以脂肪计)(KOH)", "4.1mg/g",
       "≤3mg/g")),
    _p("月饼", "food", "食品", "糕点", "100g/个",
       ("过氧化值(以脂肪计)", "0.36g/100g", "≤0.25g/100g"), ("菌落总数", "1.2×10⁵CFU/g",
       "≤1×10⁴CFU/g")),
    _p("维生素C咀嚼片", "food", "保健食品", "保健食品", "1.2g/片×60片",
       ("维生素C", "标示值的62%", "标示值的80%~180%"),),
    _p("阿莫西林胶囊", "drug", "药品", "化学药品", "0.25g×24粒",
       ("溶出度", "68%", "不得低于80%"), ("有关物质", "1.8%", "≤1.0%")),
    _p("板蓝根颗粒", "drug", "药品", "中成药", "10g×20袋",
       ("水分", "9.2%", "≤8.0%"), ("装量差异", "超限2袋", "不得多于2袋超限")),
    _p("黄芪", "drug", "药品", "中药饮片", "500g/袋",
       ("二氧化硫残留量", "228mg/kg", "≤150mg/kg"), ("总灰分", "6.8%", "≤5.0%")),
    _p("医用外科口罩", "drug", "医疗器械", "医疗器械", "17.5cm×9.5cm 10只/袋",
       ("细菌过滤效率", "88%", "≥95%"), ("通气阻力", "62Pa", "≤49Pa")),
    _p("一次性使用无菌注射器", "drug", "医疗器械", "医疗器械", "5mL",
       ("环氧乙烷残留量", "12.6μg/g", "≤10μg/g"),),
    _p("保湿面霜", "drug", "化妆品", "化妆品", "50g/瓶",
       ("菌落总数", "3200CFU/g", "≤1000CFU/g"), ("甲醛", "0.32%", "≤0.2%")),
    _p("染发膏", "drug", "化妆品", "化妆品", "60g+60g",
       ("对苯二胺", "3.1%", "≤2.0%"),),
    _p("电线电缆", "industrial", "", "电工及材料", "BV 2.5mm²",
       ("导体电阻", "8.21Ω/km", "≤7.41Ω/km"), ("绝缘厚度最薄点", "0.61mm", "≥0.62mm")),
    _p("儿童服装", "industrial", "", "纺织品", "110/56",
       ("纤维含量", "棉62.3%", "棉95%"), ("pH值", "8.2", "4.0~7.5")),
    _p("电热水壶", "industrial", "", "家用电器", "1.7L 1800W",
       ("输入功率和电流", "2010W", "1800W(+5%/-10%)"), ("发热", "温升超限", "符合标准要求")),
    _p("热轧带肋钢筋", "industrial", "", "建筑材料", "HRB400E Φ16",
       ("屈服强度", "380MPa", "≥400MPa"), ("重量偏差", "-5.6%", "±4.5%")),
    _p("安全帽", "industrial", "", "劳动防护用品", "Y类",
       ("冲击吸收性能", "5.3kN", "≤4.9kN"),),
    _p("复合肥料", "industrial", "", "农业生产资料", "40kg/袋 15-15-15",
       ("总养分", "38.2%", "≥45%"), ("水分", "3.1%", "≤2.0%")),
    _p("塑料购物袋", "industrial", "", "日用品", "45cm×60cm",
       ("厚度", "0.019mm", "≥0.025mm"),),
    _p("插头插座", "industrial", "", "电工及材料", "10A 250V",
       ("防触电保护", "不符合", "应符合GB/T 2099.1要求"), ("温升", "52K", "≤45K")),
)  # fmt: skip

FOOD_BRANDS = ("金龙鱼", "鲁花", "五粮液", "樟树四特", "宜春大米", "明月山", "/", "图形商标")
DRUG_BRANDS = ("仁和", "济民可信", "汇仁", "稳健", "片仔癀", "/")
INDUSTRIAL_BRANDS = ("远东", "美的", "苏泊尔", "方大", "心连心", "/")

SHOP_NAMES = ("佳和", "华润万家", "永辉", "天虹", "兴旺", "惠民", "国光", "百惠", "联华",
              "好又多", "家家乐", "福万家", "老百姓", "益丰", "仁和", "新华")  # fmt: skip
SHOP_KINDS = {
    "food": ("超市", "便利店", "农贸市场经营户", "食品商行", "粮油店", "餐饮店"),
    "drug": ("大药房", "药店", "诊所", "医院", "化妆品店"),
    "industrial": ("建材店", "五金店", "电器商行", "服装店", "农资店", "商贸有限公司"),
}

PRODUCER_PLACES = (
    ("江西", "江西省南昌市青山湖区"), ("江西", "江西省樟树市"), ("江西", "江西省高安市"),
    ("湖南", "湖南省长沙市望城区"), ("广东", "广东省佛山市顺德区"), ("浙江", "浙江省宁波市"),
    ("山东", "山东省临沂市"), ("四川", "四川省宜宾市"), ("河南", "河南省郑州市"),
)  # fmt: skip
PRODUCER_SUFFIX = {
    "food": ("食品有限公司", "粮油有限公司", "酒业有限公司", "农业开发有限公司"),
    "drug": ("制药有限公司", "药业股份有限公司", "医疗器械有限公司", "生物科技有限公司"),
    "industrial": ("电缆有限公司", "电器有限公司", "钢铁有限公司", "服饰有限公司"),
}
PRODUCER_WORDS = ("恒信", "金泰", "瑞丰", "华盛", "宏远", "德康", "润生", "嘉禾", "新亚")

MARKET_LABS = (
    "宜春市检验检测中心", "江西省食品检验检测研究院", "江西省药品检验检测研究院",
    "江西省产品质量监督检测院", "谱尼测试集团江西有限公司",
)  # fmt: skip
TASK_SOURCES = (
    "宜春市市场监督管理局", "江西省市场监督管理局", "宜春市2025年食品安全抽检监测计划",
    "2025年省级产品质量监督抽查",
)  # fmt: skip
MARKET_REMARKS = ("复检维持原结论", "已责令下架", "已立案调查", "企业对结果无异议")


@dataclass(frozen=True)
class AgriItem:
    """A residue or quality item: limit in ``unit``; None = must not be detected."""

    item: str
    unit: str
    limit: float | None
    decimals: int
    standard: str


_PEST = "GB 2763-2021"
_VET = "GB 31650-2019"
VEG_ITEMS = (
    AgriItem("毒死蜱", "mg/kg", 0.02, 3, _PEST), AgriItem("氧乐果", "mg/kg", 0.02, 3, _PEST),
    AgriItem("克百威", "mg/kg", 0.02, 3, _PEST), AgriItem("甲拌磷", "mg/kg", 0.01, 3, _PEST),
    AgriItem("腐霉利", "mg/kg", 0.2, 2, _PEST), AgriItem("吡虫啉", "mg/kg", 0.2, 2, _PEST),
    AgriItem("多菌灵", "mg/kg", 0.5, 2, _PEST), AgriItem("灭蝇胺", "mg/kg", 0.5, 2, _PEST),
    AgriItem("噻虫胺", "mg/kg", 0.2, 2, _PEST), AgriItem("阿维菌素", "mg/kg", 0.05, 3, _PEST),
)  # fmt: skip
VET_ITEMS = (
    AgriItem("恩诺沙星", "μg/kg", 100.0, 1, _VET), AgriItem("氟苯尼考", "μg/kg", 100.0, 1, _VET),
    AgriItem("磺胺类(总量)", "μg/kg", 100.0, 1, _VET), AgriItem("氯霉素", "μg/kg", None, 2, _VET),
    AgriItem("孔雀石绿", "μg/kg", None, 2, _VET), AgriItem("克伦特罗", "μg/kg", None, 2, _VET),
)  # fmt: skip
TEA_ITEMS = (
    AgriItem("联苯菊酯", "mg/kg", 5.0, 2, _PEST), AgriItem("草甘膦", "mg/kg", 1.0, 2, _PEST),
    AgriItem("水分", "%", 7.0, 1, "GB/T 14456.1-2017"),
)  # fmt: skip
RAPID_ITEMS = (
    AgriItem("有机磷和氨基甲酸酯类农药", "%", 50.0, 1, "GB/T 5009.199-2003"),
    AgriItem("克伦特罗(胶体金)", "%", None, 1, "农办牧〔2018〕27号"),
)

AGRI_GROUPS: dict[str, tuple[tuple[str, ...], tuple[AgriItem, ...]]] = {
    "蔬菜": (("芹菜", "韭菜", "豇豆", "白菜", "菠菜", "黄瓜", "番茄", "辣椒", "油麦菜", "生姜"),
             VEG_ITEMS),
    "水果": (("柑橘", "葡萄", "梨", "西瓜", "草莓", "猕猴桃"), VEG_ITEMS),
    "畜禽产品": (("猪肉", "鸡肉", "鸡蛋", "牛肉", "鸭肉"), VET_ITEMS),
    "水产品": (("草鱼", "鲫鱼", "小龙虾", "鳙鱼", "鲢鱼"), VET_ITEMS),
    "茶叶": (("绿茶", "红茶", "白茶"), TEA_ITEMS),
    "食用菌": (("香菇", "平菇", "金针菇"), VEG_ITEMS),
}  # fmt: skip
AGRI_STAGES = {
    "蔬菜": ("生产基地", "批发市场", "农贸市场", "超市"),
    "水果": ("生产基地", "批发市场", "超市"),
    "畜禽产品": ("屠宰场", "农贸市场", "超市", "养殖场"),
    "水产品": ("养殖场", "批发市场", "农贸市场"),
    "茶叶": ("生产基地", "茶叶加工厂"),
    "食用菌": ("生产基地", "农贸市场"),
}
AGRI_SITE_KINDS = {
    "生产基地": "蔬果种植基地", "批发市场": "农产品批发市场", "农贸市场": "农贸市场",
    "超市": "惠民超市", "屠宰场": "定点屠宰场", "养殖场": "生态养殖场",
    "茶叶加工厂": "茶叶专业合作社",
}  # fmt: skip
AGRI_LABS = (
    "宜春市农产品质量安全检测中心", "江西省农业科学院农产品质量安全与标准研究所",
    "宜春市农业综合执法支队检测室",
)  # fmt: skip
AGRI_RAPID_LABS = ("乡镇农产品质量安全监管站", "农贸市场快检室")

PROJECT_KINDS = (
    "{place}{n}号地块住宅小区{k}#楼", "{place}人民医院门诊综合楼", "{place}第{n}中学教学楼",
    "{place}{town}安置房项目", "{place}锂电新能源产业园{k}#厂房", "{place}文化艺术中心",
    "{place}城市书房及配套用房", "{place}农产品冷链物流中心", "{place}{town}卫生院业务楼",
)  # fmt: skip
STRUCTURES = ("框架结构", "框架剪力墙结构", "剪力墙结构", "砖混结构", "钢结构")
BUILDER_WORDS = ("城市建设投资发展集团有限公司", "置业有限公司", "房地产开发有限公司",
                 "教育体育局", "卫生健康委员会")  # fmt: skip
CONTRACTORS = (
    "江西省建工集团有限责任公司", "中建三局集团有限公司", "江西中恒建设集团有限公司",
    "宜春市第一建筑工程有限公司", "江西昌南建设集团有限公司", "中国建筑第五工程局有限公司",
)  # fmt: skip
SUPERVISORS = (
    "江西中昌工程咨询监理有限公司", "宜春市建设监理有限公司", "江西恒实建设管理股份有限公司",
)  # fmt: skip

#: Responsible department per indicator code prefix (from the plan's division of work).
DEPARTMENTS = {
    "ECON_HIGH_VALUE_PATENTS": "市市场监管局", "ECON": "市工信局", "STD": "市市场监管局",
    "BRAND_GREEN": "市农业农村局", "BRAND": "市市场监管局", "INFRA": "市市场监管局",
    "GREEN": "市市场监管局", "AGRI": "市农业农村局", "SVC_PROVINCIAL": "市工信局",
    "SVC_CITY": "市文广新旅局", "SVC": "市民政局", "TOUR": "市农业农村局",
    "ENT": "市市场监管局", "QUAL": "市市场监管局",
}  # fmt: skip


def department(code: str) -> str:
    """The department that reports ``code`` (longest matching prefix)."""
    best = max((p for p in DEPARTMENTS if code.startswith(p)), key=len)
    return DEPARTMENTS[best]


#: What site supervisors write down (工程质量安全监督检查), for a findings column.
FINDINGS = (
    "脚手架连墙件设置不足", "临边防护栏杆缺失", "钢筋保护层厚度不足", "施工现场扬尘控制措施不到位",
    "隐蔽工程验收记录不全", "塔式起重机限位装置失效", "混凝土试块留置数量不足",
    "作业人员未正确佩戴安全帽", "模板支撑体系未按方案搭设", "施工用电未做到一机一闸一漏",
    "外墙保温材料进场未复验", "基坑周边堆载超限",
)  # fmt: skip
#: Standards named in test reports of building materials and products.
STANDARDS = (
    "GB 175-2023", "GB/T 1499.2-2024", "GB/T 5023.3-2008", "GB/T 10801.2-2018",
    "GB 18242-2008", "GB/T 14902-2012", "GB/T 4100-2015",
)  # fmt: skip
