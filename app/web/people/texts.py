"""The people pages' texts (Chinese msgids, keyed; English in the catalog)."""

from app.web.i18n import N_

COMMON = dict([
    N_("search", "搜索"), N_("search_hint", "姓名、电话、单位或网格编码"), N_("add", "新增"),
    N_("edit", "编辑"), N_("save", "保存"), N_("cancel", "取消"), N_("history", "变更记录"),
    N_("import", "批量导入"), N_("import_file", "CSV 或 XLSX 文件"), N_("encoding", "编码"),
    N_("dry_run", "仅检查，不写入"), N_("store_good", "有错误行时仍导入正确的行"),
    N_("run_import", "导入"), N_("export", "导出"), N_("export_private", "含私人电话（记入审计）"),
    N_("prev", "上一页"), N_("next", "下一页"), N_("total", "共 {total} 条"),
    N_("loading", "加载中…"), N_("empty", "没有记录。"), N_("saved", "已保存"),
    N_("import_report", "{rows} 行：{good} 行正确，{bad} 行有误，已写入 {written} 行"),
    N_("import_dry", "（仅检查）"), N_("row", "第 {row} 行"), N_("history_empty", "没有变更记录。"),
    N_("by", "操作人"), N_("at", "时间"), N_("action", "操作"), N_("changes", "变更"),
    N_("close", "关闭"), N_("actions", "操作"), N_("name", "姓名"), N_("phone", "电话"),
    N_("community", "社区"), N_("grids", "网格"), N_("title_people", "人员与组织"),
    N_("nav_workers", "网格员"), N_("nav_party", "党组织与党员"),
    N_("nav_departments", "部门与驻区单位"),
    N_("changed_elsewhere", "该记录已被他人修改，已重新读取，请再试一次。"),
])

WORKERS = dict([
    N_("title", "网格员"), N_("role", "角色"), N_("public_phone", "公开电话"),
    N_("private_phone", "私人电话"), N_("hours", "服务时间"), N_("publish", "同意公开"),
    N_("consent_on", "同意日期"), N_("duty_days", "值班日（1=周一，如 1-5）"),
    N_("duty_hours", "值班时间（如 09:00-17:30）"),
    N_("account", "关联账号（角色 member）"),
    N_("grids_hint", "网格编码，多个用分号分隔"), N_("state", "状态"), N_("on_leave", "请假"),
    N_("at_work", "在岗"), N_("left", "已离岗"), N_("published", "公开"),
    N_("unpublished", "不公开"),
    N_("leave", "请假"), N_("leave_from", "开始日期"),
    N_("leave_to", "结束日期（空=待定）"),
    N_("substitute", "代班人"), N_("no_substitute", "无（由网格长接手）"), N_("note", "备注"),
    N_("add_leave", "登记请假"), N_("calendar", "请假与代班日历"), N_("remove", "离岗"),
    N_("remove_confirm", "确定让该网格员离岗？记录会保留。"),
    N_("new_worker", "新增网格员"),
    N_("prev_month", "上月"), N_("next_month", "下月"),
    N_("weekdays", "一,二,三,四,五,六,日"), N_("substitute_for", "{name} 请假，{sub} 代班"),
    N_("leave_alone", "{name} 请假"),
    N_("leave_list", "本月请假记录"), N_("edit_leave", "修改请假"),
    N_("remove_leave", "删除"), N_("remove_leave_confirm", "确定删除这条请假记录？"),
    N_("until_further_notice", "待定"),
])

PARTY = dict([
    N_("title", "党组织与党员"), N_("members", "党员"), N_("orgs", "党组织"),
    N_("kind", "类型"), N_("kind_resident", "社区党员"), N_("kind_in_service", "在职党员"),
    N_("work_unit", "工作单位"), N_("home_building", "居住楼栋编码"),
    N_("serving_grid", "服务网格编码"), N_("org", "所属党组织"), N_("registered_on", "报到日期"),
    N_("left_on", "离开日期"), N_("status", "报到状态"), N_("status_pending", "待确认"),
    N_("status_confirmed", "已确认"), N_("status_declined", "已拒绝"), N_("any_status", "全部状态"),
    N_("confirm", "确认"), N_("decline", "拒绝"), N_("new_member", "新增党员"),
    N_("new_org", "新增党组织"), N_("level", "层级"), N_("level_community_committee", "社区党委"),
    N_("level_grid_branch", "网格党支部"), N_("level_building_group", "楼栋党小组"),
    N_("parent", "上级组织"), N_("none", "无"), N_("covers", "覆盖"), N_("counted", "在册党员"),
    N_("grid_code", "网格编码"), N_("building_code", "楼栋编码"), N_("community_code", "社区编码"),
    N_("register_link", "双报到登记页（给在职党员）"),
    N_("edit_org", "修改党组织"), N_("remove_org", "删除"),
    N_("remove_org_confirm", "确定删除该党组织？有下级组织或党员时不能删除。"),
])

DEPARTMENTS = dict([
    N_("title", "部门与驻区单位"), N_("kind", "类型"), N_("kind_department", "职能部门"),
    N_("kind_resident_unit", "驻区单位"), N_("contact_name", "联系人"),
    N_("contact_phone", "联系电话"), N_("communities", "服务社区（编码，分号分隔）"),
    N_("streets", "服务街道（编码，分号分隔）"), N_("categories", "处理的事件类别（分号分隔）"),
    N_("new_department", "新增部门或单位"), N_("remove", "撤销"),
    N_("remove_confirm", "确定撤销该单位？记录会保留。"), N_("served", "服务社区"),
    N_("handles", "事件类别"),
])

REGISTER = dict([
    N_("title", "在职党员双报到登记"),
    N_("intro", "在职党员到居住地社区报到：填写后由社区审核确认。"),
    N_("name", "姓名"), N_("work_unit", "工作单位"), N_("phone", "联系电话"),
    N_("community", "报到社区"), N_("serving_grid", "愿意服务的网格编码（可不填）"),
    N_("submit", "提交登记"), N_("sent", "已提交，社区审核后会与您联系。"),
    N_("choose", "请选择社区"), N_("wait", "请稍候再提交。"), N_("website", "网站（请留空）"),
])
