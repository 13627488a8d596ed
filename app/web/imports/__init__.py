"""The upload page of incident imports (``/admin/imports``, dispatchers and admins).

A shell like the dispatcher console: its script (``static/js/pages/imports.js``) sends
the file to ``POST /api/v1/incidents/import``, polls the job a large file becomes, shows
its progress and then its report; presets come from the API as well. The server sends
the texts in the request's language and the choices of the form.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for

from app.security.auth import require
from app.web.i18n import N_, lang, texts
from app.web.reasons import reason_table
from geo.incidents import imports

bp = Blueprint("imports", __name__, url_prefix="/admin")

# key → message (Chinese msgid, the key its context; English in app/translations).
TEXTS: dict[str, str] = dict([
    N_("title", "导入事件"), N_("intro", "上传 12345 热线等导出的工单文件（CSV、XLSX 或 GeoJSON）："
                                       "逐行检查、定位、分派并保存，问题行列出行号和原因。"),
    N_("file", "文件"), N_("format", "格式"), N_("format_auto", "按文件扩展名"),
    N_("encoding", "编码"), N_("crs", "坐标系"), N_("preset", "列对应方案"),
    N_("preset_none", "（不使用）"), N_("mapping", "列对应"),
    N_("mapping_hint", "填写文件中的列名；留空则使用与字段同名的列。"),
    N_("store_good", "只保存通过检查的行（默认：有任一行被拒则全部不保存）"),
    N_("submit", "开始导入"), N_("save_preset", "保存为方案"),
    N_("preset_name", "方案名称"), N_("preset_saved", "已保存方案“{name}”。"),
    N_("delete_preset", "删除方案"), N_("preset_deleted", "已删除方案。"),
    N_("choose_file", "请选择文件。"), N_("uploading", "正在上传…"),
    N_("queued", "排队中…"), N_("step_read", "读取并检查"), N_("step_route", "定位并分派"),
    N_("step_store", "保存"), N_("step_done", "完成"),
    N_("progress", "{step}：{done} / {total} 行"), N_("progress_nototal", "{step}：{done} 行"),
    N_("speed", "{rate} 行/秒"), N_("report", "导入结果"),
    N_("failed", "导入失败，未保存任何数据："),
    N_("rows", "总行数"), N_("loaded", "已导入"), N_("duplicates", "已存在（跳过）"),
    N_("rejected", "被拒"), N_("covered", "在网格内"), N_("snapped", "就近归入网格"),
    N_("out_of_area", "不在网格内"), N_("boundary", "靠近网格边界"),
    N_("possible_duplicate", "可能重复"), N_("routed", "分派"), N_("row", "行号"),
    N_("reason", "原因"), N_("rejected_more", "仅列出前 {n} 行，共 {total} 行被拒。"),
    N_("route_full_time", "专职网格员"), N_("route_grid_chief", "网格长"),
    N_("route_community_office", "社区办公室"), N_("route_unassigned", "待指派"),
    N_("error", "出错了："), N_("signed_out", "登录已失效，请重新登录。"),
    N_("network", "无法连接服务器。"),
    N_("field_external_id", "工单号"), N_("field_category", "类别"),
    N_("field_description", "描述"), N_("field_address", "地址"),
    N_("field_building", "楼栋编码"), N_("field_lon", "经度"), N_("field_lat", "纬度"),
    N_("field_source", "来源"), N_("field_priority", "紧急程度"),
    N_("field_reported_at", "受理时间"), N_("field_reporter_name", "反映人"),
    N_("field_reporter_phone", "联系电话"),
])
CRS_CHOICES = ("wgs84", "cgcs2000", "gcj02", "bd09")


@bp.get("/imports")
@require("incidents:write")
def upload_page():
    """The upload form, progress and report, in the request's language."""
    t = texts(TEXTS)
    script = {"lang": lang(), "texts": t, "fields": list(imports.FIELDS), "reasons": reason_table(),
              "importUrl": url_for("incident_import.import_incidents"),
              "presetsUrl": url_for("incident_import_presets.list_presets"),
              "pollMs": current_app.config.get("IMPORT_POLL_MS", 700)}
    return render_template("admin/imports.html", t=t, fields=imports.FIELDS,
                           formats=imports.FORMATS, encodings=("utf-8", "gbk", "gb18030"),
                           crs_choices=CRS_CHOICES, script=script)
