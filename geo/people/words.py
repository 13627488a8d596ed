"""The words of the people domain: worker roles, party levels and kinds, registration
states, department kinds and what a category does when no worker is on duty. The tables'
CHECK constraints, the API's enums and the import checks all read these."""

from __future__ import annotations

# 网格长, 专职网格员, 兼职网格员, 楼栋长, 网格指导员
WORKER_ROLES = ("grid_chief", "full_time", "part_time", "building_head", "grid_instructor")
ROLE_NAMES = {"网格长": "grid_chief", "专职网格员": "full_time", "兼职网格员": "part_time",
              "楼栋长": "building_head", "网格指导员": "grid_instructor"}
# 社区党委 → 网格党支部 → 楼栋党小组
PARTY_ORG_LEVELS = ("community_committee", "grid_branch", "building_group")
LEVEL_NAMES = {"社区党委": "community_committee", "网格党支部": "grid_branch",
               "楼栋党小组": "building_group"}
# 社区党员; 在职党员 registered with a community under 双报到
PARTY_MEMBER_KINDS = ("resident", "in_service")
KIND_NAMES = {"社区党员": "resident", "在职党员": "in_service"}
# A 双报到 registration; resident members are entered confirmed.
REGISTRATION_STATES = ("pending", "confirmed", "declined")
# 职能部门, 驻区单位
DEPARTMENT_KINDS = ("department", "resident_unit")
DEPARTMENT_KIND_NAMES = {"职能部门": "department", "驻区单位": "resident_unit"}
# A category's rule for an incident reported while no worker of the grid is on duty:
# the worker anyway (picked up next shift), the community office, or the dispatcher.
OFF_HOURS_RULES = ("worker", "community_office", "unassigned")

# gridmap serves Chinese cities: one time zone for duty hours and leave days (the same
# as the TIMEZONE setting's default). Written into SQL, so a constant.
LOCAL_TZ = "Asia/Shanghai"
