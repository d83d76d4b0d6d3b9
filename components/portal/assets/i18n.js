// The portal's words, 简体中文 first and English: one dictionary per
// language with the same keys (a test checks), the choice kept in the
// browser (it is no secret), and the API's codes and field names turned into
// words a clerk or a citizen reads.

const LANG = 'casework.lang';

const zh = {
  'app.title': '政务服务咨询投诉建议', 'app.skip': '跳到主要内容',
  'nav.label': '主导航', 'nav.home': '首页', 'nav.submit': '我要咨询投诉建议', 'nav.track': '查询办理进度',
  'nav.signin': '工作人员登录', 'nav.signout': '退出', 'nav.inbox': '待办件', 'nav.intake': '受理登记',
  'nav.queues': '工作队列', 'nav.stats': '统计分析', 'nav.hotspots': '热点问题', 'nav.rectifications': '整改事项', 'nav.admin': '系统管理',
  'home.title': '政务服务咨询投诉建议', 'home.intro': '对政务服务有咨询、投诉或建议，可在此提交并查询办理进度。',
  'home.submit': '提交诉求', 'home.submit.text': '填写诉求内容和联系方式，提交后即可获得查询码。',
  'home.track': '查询进度', 'home.track.text': '凭查询码和手机号后四位，查看办理进度和答复，并进行评价。',
  'home.staff': '工作人员', 'home.staff.text': '话务员、承办单位、管理部门和监督人员请登录后办理。',
  'form.errors': '请更正以下问题：', 'form.choose': '请选择', 'form.cancel': '取消',
  'page.error': '出错了：', 'page.not_found': '页面不存在',
  'case.kind': '诉求类型', 'case.title': '标题', 'case.content': '诉求内容', 'case.county': '所属县区',
  'case.channel': '渠道', 'case.status': '办理状态', 'case.received_at': '受理时间', 'case.tracking_code': '查询码',
  'case.lead_unit': '主办单位', 'case.co_units': '协办单位', 'case.next_due': '最近期限', 'case.overdue': '已超期',
  'case.due_today': '今日到期', 'case.urge_notices': '催办通知', 'case.facts': '基本信息', 'case.mode': '办理方式',
  'case.deadlines': '办理时限', 'case.no_deadlines': '暂无办理时限。', 'case.unverified': '（节假日未核定）',
  'case.met': '已完成', 'case.superseded': '已调整', 'case.rejection': '不予受理', 'case.submitter': '诉求人',
  'case.no_personal_data': '无权查看诉求人信息。', 'case.history': '办理记录',
  'submit.title': '我要咨询投诉建议', 'submit.intro': '带 * 的为必填项。个人信息仅用于办理本诉求，依法保密。',
  'submit.content.hint': '请写清事情发生的地点、经过和您的具体诉求（如“请……”“希望……”）。', 'submit.contact': '联系方式',
  'submit.send': '提交', 'submit.done': '提交成功', 'submit.code': '您的查询码：',
  'submit.keep': '请保存查询码，凭查询码和手机号后四位查询办理进度。', 'submit.follow': '查看办理进度',
  'submitter.type': '诉求人类型', 'submitter.name': '姓名或单位名称', 'submitter.phone': '联系电话',
  'submitter.phone.hint': '手机号（如 13812345678）或带区号的固定电话（如 0392-1234567）。',
  'submitter.address': '联系地址（选填）', 'submitter.id_number': '身份证号或统一社会信用代码（选填）',
  'track.title': '查询办理进度', 'track.code': '查询码', 'track.code.hint': '形如 CW-7K3M-9QXD-2F8P，大小写均可。',
  'track.last4': '手机号后四位', 'track.look': '查询', 'track.found': '已查到办理进度', 'track.case': '诉求',
  'track.rejected': '不予受理：', 'track.category': '（第五条第 {n} 类）', 'track.referral': '请向以下机关反映：',
  'track.merged': '该诉求与您正在办理的诉求重复，已并入：', 'track.reply': '答复', 'track.released': '答复时间：',
  'feedback.title': '评价答复', 'feedback.satisfaction': '您对答复是否满意', 'feedback.review': '申请复核',
  'feedback.reason': '理由', 'feedback.reason.hint': '申请复核时必填。', 'feedback.send': '提交评价',
  'feedback.done': '感谢您的评价。', 'feedback.review_done': '已收到您的复核申请，我们将重新审查。',
  'signin.title': '工作人员登录', 'signin.intro': '请粘贴统一身份认证签发的令牌。令牌只保存在本标签页，关闭即失效。',
  'signin.token': '令牌', 'signin.token.hint': '以 eyJ 开头的一串字符。', 'signin.go': '登录', 'signin.done': '已登录',
  'signin.already': '当前已登录：{role}', 'signin.needed': '请先登录',
  'dev.title': '开发实例：获取演示令牌', 'dev.text': '仅适用于本机运行、未配置统一身份认证的开发实例（与 scripts/demo-token.sh 相同）。',
  'dev.role': '角色', 'dev.unit': '单位编号', 'dev.unit.hint': '承办单位工作人员必填，如 qibin-urban。', 'dev.leader': '单位负责人', 'dev.go': '获取并登录',
  'inbox.title': '本单位待办件', 'inbox.intro': '按最近期限排列；超期和今日到期的已标出。',
  'queue.title': '工作队列', 'queue.empty': '队列中没有诉求。', 'queue.next': '下一页',
  'unseen.title': '未查看待办的单位', 'unseen.date': '日期', 'unseen.look': '查询', 'unseen.day_off': '该日为休息日，无需查看。', 'unseen.none': '各单位当日均已查看。',
  'unit.id': '单位编号', 'unit.name': '单位名称', 'unit.type': '单位类型', 'unit.retired': '撤销时间',
  'unmask.open': '查看完整信息', 'unmask.title': '查看诉求人完整信息', 'unmask.text': '查看将记入审计记录（谁、何时、哪件、为何）。',
  'unmask.purpose': '查看目的', 'unmask.go': '查看', 'unmask.shown': '以下为完整信息，本次查看已记录。',
  'urge.ack': '确认收到', 'urge.acknowledged': '已确认',
  'reply.title': '答复', 'reply.round': '轮次', 'reply.text': '答复内容', 'reply.adoption': '采纳情况', 'reply.drafted_at': '拟稿时间',
  'reply.leader_review': '负责人审核', 'reply.approved': '同意', 'reply.not_approved': '退回', 'reply.released_at': '发布时间', 'reply.not_released': '未发布',
  'qc.rounds': '质检记录', 'qc.round': '第 {n} 轮', 'qc.passed': '通过', 'qc.failed': '不通过',
  'history.at': '时间', 'history.who': '操作人', 'history.event': '事项', 'history.article': '依据', 'history.details': '说明',
  'actions.title': '可办理操作', 'actions.none': '当前没有可办理的操作。', 'actions.send': '确认{action}', 'actions.confirm': '确认办理此操作？',
  'actions.done': '已办理：{action}',
  'field.unit.hint': '单位编号，如 qibin-urban。', 'field.co_units.hint': '多个单位编号用逗号分隔。',
  'intake.title': '受理登记', 'intake.send': '登记', 'intake.done': '已登记', 'intake.mode.none': '（不指定）',
  'intake.mode.hint': '即办、直办时请填写答复或单位。', 'intake.form': '大厅诉求形式', 'intake.form.none': '（非大厅）',
  'intake.form.hint': '服务大厅受理时必填。', 'intake.answer': '即办答复 / 直办说明', 'intake.answer.hint': '即办、直办时填写。',
  'intake.unit': '直办单位编号', 'intake.unit.hint': '直办时填写，如 qibin-urban。', 'intake.registration': '受理登记单',
  'intake.advice': '甄别提示（由您判断）', 'intake.sign': '诉求人签名：＿＿＿＿＿＿　受理人：＿＿＿＿＿＿',
  'intake.print': '打印受理登记单', 'intake.open': '查看诉求', 'intake.another': '继续登记',
  'period.from': '开始日期', 'period.to': '结束日期',
  'stats.title': '统计分析', 'stats.show': '统计', 'stats.group_by': '分组', 'stats.csv': '下载 CSV', 'stats.downloaded': '已下载',
  'stats.group': '分组', 'stats.received': '受理量', 'stats.accepted': '受理', 'stats.rejected': '不予受理', 'stats.closed': '办结',
  'stats.closed_on_time': '按期办结', 'stats.overdue': '超期', 'stats.on_time_rate': '按期办结率', 'stats.qc_first_pass_rate': '质检一次通过率',
  'stats.satisfaction_rate': '回访满意率', 'stats.complaints': '投诉件', 'stats.working_days': '平均办理工作日', 'stats.no_data': '无数据',
  'stats.table': '统计表', 'stats.attention': '需关注（按本县阈值）', 'stats.ranking': '排名',
  'hotspots.title': '热点问题', 'hotspots.find': '查找', 'hotspots.none': '该时段没有集中反映的问题。', 'hotspots.cluster': '{n} 件相似投诉',
  'hotspots.growth': '前半段 {earlier} 件，后半段 {recent} 件，增长 {growth}。', 'hotspots.units': '涉及单位：', 'hotspots.cases': '相关诉求',
  'rect.open': '立为整改事项', 'rect.title_field': '事项名称', 'rect.owner': '责任单位', 'rect.due_date': '整改期限', 'rect.note': '说明',
  'rect.opened': '已立项：', 'rect.default_title': '集中投诉整改', 'rect.list': '整改事项', 'rect.none': '暂无整改事项。',
  'rect.status': '状态', 'rect.cases': '关联诉求', 'rect.before': '立项前同类投诉', 'rect.after': '立项后同类投诉', 'rect.history': '整改记录',
  'admin.title': '系统管理', 'admin.units': '承办单位', 'admin.calendar': '上传年度节假日安排',
  'admin.calendar.text': '国务院办公厅每年 11 月发布次年节假日安排。上传与 shared/calendar/YYYY.json 相同格式的文件，即时生效。',
  'admin.calendar.file': '节假日安排文件（JSON）', 'admin.calendar.load': '上传', 'admin.calendar.loaded': '{year} 年节假日安排已生效。',
  'admin.calendar.no_year': '文件中没有 year（年份）。',
  'error.unknown': '未知错误', 'error.required': '此项为必填项', 'error.missing': '此项为必填项', 'error.invalid': '格式不正确',
  'error.too_long': '内容过长', 'error.empty': '不能为空', 'error.bidi_control': '含有不允许的控制字符', 'error.wrong_type': '类型不正确',
  'error.unknown_value': '不是可选的值', 'error.unknown_field': '不认识的字段', 'error.past': '不能早于今天',
  'error.bad_token': '令牌无效或已过期', 'error.malformed_json': '不是有效的 JSON', 'error.invalid_field': '填写有误',
  'error.case_not_found': '没有找到与查询码和手机号相符的诉求', 'error.too_many_attempts': '尝试次数过多，请稍后再试',
  'error.too_many_requests': '提交过于频繁，请稍后再试', 'error.already_rated': '您已评价过本次答复', 'error.not_closed': '诉求尚未办结，暂不能评价',
  'error.no_reply': '该诉求已当场答复，无需评价', 'error.unauthorized': '请重新登录', 'error.forbidden': '无权办理', 'error.not_for_role': '您的角色不能办理此事项',
  'error.stale_version': '诉求已被他人更新，请刷新后重试', 'error.invalid_transition': '当前状态下不能办理此操作',
  'error.hall_closed': '服务大厅当前不在办公时间', 'error.unknown_unit': '没有该单位', 'error.missing_field': '缺少必填项',
  'error.return_window_closed': '已超过退回期限', 'error.stage_unavailable': '服务暂不可用，请稍后再试', 'error.network': '网络连接失败',
  'error.not_found': '不存在', 'error.window_too_large': '时段内诉求过多，请缩短时段', 'error.invalid_query': '查询条件有误',
};

const en = {
  'app.title': 'Government service consultations, complaints and suggestions', 'app.skip': 'Skip to main content',
  'nav.label': 'Main navigation', 'nav.home': 'Home', 'nav.submit': 'Submit a case', 'nav.track': 'Track a case',
  'nav.signin': 'Staff sign-in', 'nav.signout': 'Sign out', 'nav.inbox': 'Inbox', 'nav.intake': 'Intake',
  'nav.queues': 'Queues', 'nav.stats': 'Statistics', 'nav.hotspots': 'Hotspots', 'nav.rectifications': 'Rectification items', 'nav.admin': 'Administration',
  'home.title': 'Consultations, complaints and suggestions', 'home.intro': 'Ask about a government service, complain or suggest, and follow your case here.',
  'home.submit': 'Submit', 'home.submit.text': 'Describe your matter and how to reach you; you get a tracking code at once.',
  'home.track': 'Track', 'home.track.text': 'With the tracking code and the last four digits of your phone: where it stands, the reply, your rating.',
  'home.staff': 'Staff', 'home.staff.text': 'Hotline and hall agents, handling units, the bureau and supervisors sign in here.',
  'form.errors': 'Please correct the following:', 'form.choose': 'Choose…', 'form.cancel': 'Cancel',
  'page.error': 'Something went wrong:', 'page.not_found': 'Page not found',
  'case.kind': 'Kind', 'case.title': 'Title', 'case.content': 'What it is about', 'case.county': 'County',
  'case.channel': 'Channel', 'case.status': 'Status', 'case.received_at': 'Received', 'case.tracking_code': 'Tracking code',
  'case.lead_unit': 'Lead unit', 'case.co_units': 'Co-units', 'case.next_due': 'Next deadline', 'case.overdue': 'overdue',
  'case.due_today': 'due today', 'case.urge_notices': 'Urge notices', 'case.facts': 'Facts', 'case.mode': 'Handling mode',
  'case.deadlines': 'Deadlines', 'case.no_deadlines': 'No deadlines yet.', 'case.unverified': '(holidays not yet published)',
  'case.met': 'met', 'case.superseded': 'superseded', 'case.rejection': 'Not accepted', 'case.submitter': 'Submitter',
  'case.no_personal_data': 'You may not see the submitter.', 'case.history': 'History',
  'submit.title': 'Submit a case', 'submit.intro': 'Fields marked * are required. Your personal data is used only for this case and kept confidential.',
  'submit.content.hint': 'Say where and what happened and what you ask for ("please…", "I hope…").', 'submit.contact': 'How to reach you',
  'submit.send': 'Submit', 'submit.done': 'Submitted', 'submit.code': 'Your tracking code:',
  'submit.keep': 'Keep this code: with it and the last four digits of your phone you can follow the case.', 'submit.follow': 'Follow the case',
  'submitter.type': 'Submitter', 'submitter.name': 'Name (person or organisation)', 'submitter.phone': 'Phone',
  'submitter.phone.hint': 'A mobile (13812345678) or a landline with its area code (0392-1234567).',
  'submitter.address': 'Address (optional)', 'submitter.id_number': 'ID number or credit code (optional)',
  'track.title': 'Track a case', 'track.code': 'Tracking code', 'track.code.hint': 'Like CW-7K3M-9QXD-2F8P, any case.',
  'track.last4': 'Last four digits of your phone', 'track.look': 'Look up', 'track.found': 'Case found', 'track.case': 'Case',
  'track.rejected': 'Not accepted:', 'track.category': '(Art. 5, category {n})', 'track.referral': 'Where to turn instead:',
  'track.merged': 'This repeats your open case and was merged into:', 'track.reply': 'Reply', 'track.released': 'Replied on',
  'feedback.title': 'Rate the reply', 'feedback.satisfaction': 'Are you satisfied with the reply?', 'feedback.review': 'Ask for a review',
  'feedback.reason': 'Reason', 'feedback.reason.hint': 'Required when you ask for a review.', 'feedback.send': 'Send rating',
  'feedback.done': 'Thank you for your rating.', 'feedback.review_done': 'Your review request is received; the case will be looked at again.',
  'signin.title': 'Staff sign-in', 'signin.intro': 'Paste the token your sign-on issued. It stays in this tab only and is gone when you close it.',
  'signin.token': 'Token', 'signin.token.hint': 'A long string starting with eyJ.', 'signin.go': 'Sign in', 'signin.done': 'Signed in',
  'signin.already': 'Signed in as: {role}', 'signin.needed': 'Please sign in first',
  'dev.title': 'Development instance: demo token', 'dev.text': 'Only on a development instance on this machine, without a sign-on (as scripts/demo-token.sh).',
  'dev.role': 'Role', 'dev.unit': 'Unit id', 'dev.unit.hint': 'For unit staff, e.g. qibin-urban.', 'dev.leader': 'Unit leader', 'dev.go': 'Get token and sign in',
  'inbox.title': 'My unit’s inbox', 'inbox.intro': 'Soonest deadline first; overdue and due today are marked.',
  'queue.title': 'Queues', 'queue.empty': 'Nothing in this queue.', 'queue.next': 'Next page',
  'unseen.title': 'Units that did not look', 'unseen.date': 'Date', 'unseen.look': 'Show', 'unseen.day_off': 'A day off: no one had to look.', 'unseen.none': 'Every unit looked that day.',
  'unit.id': 'Unit id', 'unit.name': 'Unit', 'unit.type': 'Type', 'unit.retired': 'Retired',
  'unmask.open': 'Show in full', 'unmask.title': 'Show the submitter in full', 'unmask.text': 'This read is written to the audit trail (who, when, which case, why).',
  'unmask.purpose': 'Purpose', 'unmask.go': 'Show', 'unmask.shown': 'Shown in full; this read is on record.',
  'urge.ack': 'Acknowledge', 'urge.acknowledged': 'Acknowledged',
  'reply.title': 'Reply', 'reply.round': 'Round', 'reply.text': 'Text', 'reply.adoption': 'Adoption', 'reply.drafted_at': 'Drafted',
  'reply.leader_review': 'Leader review', 'reply.approved': 'approved', 'reply.not_approved': 'sent back', 'reply.released_at': 'Released', 'reply.not_released': 'not released',
  'qc.rounds': 'Quality checks', 'qc.round': 'Round {n}', 'qc.passed': 'passed', 'qc.failed': 'failed',
  'history.at': 'When', 'history.who': 'Who', 'history.event': 'What', 'history.article': 'Article', 'history.details': 'Details',
  'actions.title': 'Actions', 'actions.none': 'Nothing you may do on this case now.', 'actions.send': 'Confirm: {action}', 'actions.confirm': 'Take this action?',
  'actions.done': 'Done: {action}',
  'field.unit.hint': 'A unit id, e.g. qibin-urban.', 'field.co_units.hint': 'Unit ids separated by commas.',
  'intake.title': 'Intake', 'intake.send': 'Register', 'intake.done': 'Registered', 'intake.mode.none': '(none)',
  'intake.mode.hint': 'For immediate or direct, give the answer or the unit.', 'intake.form': 'Form at the hall', 'intake.form.none': '(not the hall)',
  'intake.form.hint': 'Required at the service hall.', 'intake.answer': 'Immediate answer / direct transfer note', 'intake.answer.hint': 'For immediate or direct.',
  'intake.unit': 'Unit on the call (direct)', 'intake.unit.hint': 'For direct, e.g. qibin-urban.', 'intake.registration': 'Registration form',
  'intake.advice': 'Screening advice (your decision)', 'intake.sign': 'Submitter: ______________   Agent: ______________',
  'intake.print': 'Print the registration form', 'intake.open': 'Open the case', 'intake.another': 'Register another',
  'period.from': 'From', 'period.to': 'To',
  'stats.title': 'Statistics', 'stats.show': 'Show', 'stats.group_by': 'Group by', 'stats.csv': 'Download CSV', 'stats.downloaded': 'Downloaded',
  'stats.group': 'Group', 'stats.received': 'Received', 'stats.accepted': 'Accepted', 'stats.rejected': 'Not accepted', 'stats.closed': 'Closed',
  'stats.closed_on_time': 'Closed on time', 'stats.overdue': 'Overdue', 'stats.on_time_rate': 'On-time rate', 'stats.qc_first_pass_rate': 'QC first-pass rate',
  'stats.satisfaction_rate': 'Follow-up satisfaction', 'stats.complaints': 'Complaints', 'stats.working_days': 'Avg. working days to close', 'stats.no_data': 'no data',
  'stats.table': 'Figures', 'stats.attention': 'Needs attention (county thresholds)', 'stats.ranking': 'Ranking',
  'hotspots.title': 'Hotspots', 'hotspots.find': 'Find', 'hotspots.none': 'No concentrated complaints in this window.', 'hotspots.cluster': '{n} similar complaints',
  'hotspots.growth': 'First half {earlier}, second half {recent}, growth {growth}.', 'hotspots.units': 'Units: ', 'hotspots.cases': 'Cases',
  'rect.open': 'Open a rectification item', 'rect.title_field': 'Item', 'rect.owner': 'Owner unit', 'rect.due_date': 'Due date', 'rect.note': 'Note',
  'rect.opened': 'Opened:', 'rect.default_title': ' — rectify the concentrated complaints', 'rect.list': 'Rectification items', 'rect.none': 'No rectification items.',
  'rect.status': 'Status', 'rect.cases': 'Linked cases', 'rect.before': 'Alike complaints before', 'rect.after': 'Alike complaints since', 'rect.history': 'Record',
  'admin.title': 'Administration', 'admin.units': 'Handling units', 'admin.calendar': 'Load a year’s holiday notice',
  'admin.calendar.text': 'The State Council publishes next year’s holidays each November. Upload the file in the form of shared/calendar/YYYY.json; it is in force at once.',
  'admin.calendar.file': 'Holiday notice file (JSON)', 'admin.calendar.load': 'Upload', 'admin.calendar.loaded': 'The calendar of {year} is in force.',
  'admin.calendar.no_year': 'The file has no year.',
  'error.unknown': 'Unknown error', 'error.required': 'Required', 'error.missing': 'Required', 'error.invalid': 'Not valid',
  'error.too_long': 'Too long', 'error.empty': 'Must not be empty', 'error.bidi_control': 'Contains a control character', 'error.wrong_type': 'Wrong type',
  'error.unknown_value': 'Not one of the choices', 'error.unknown_field': 'Unknown field', 'error.past': 'Must not be in the past',
  'error.bad_token': 'The token is not valid or has expired', 'error.malformed_json': 'Not valid JSON', 'error.invalid_field': 'Not valid',
  'error.case_not_found': 'No case has this code and phone', 'error.too_many_attempts': 'Too many attempts; try again later',
  'error.too_many_requests': 'Too many submissions; try again later', 'error.already_rated': 'You rated this reply already', 'error.not_closed': 'The case is not closed yet',
  'error.no_reply': 'This case was answered on the spot', 'error.unauthorized': 'Please sign in again', 'error.forbidden': 'Not allowed', 'error.not_for_role': 'Your role may not do this',
  'error.stale_version': 'Someone changed the case meanwhile; reload and try again', 'error.invalid_transition': 'Not possible in the case’s status',
  'error.hall_closed': 'The service hall is closed now', 'error.unknown_unit': 'No such unit', 'error.missing_field': 'A required field is missing',
  'error.return_window_closed': 'Too late to return it', 'error.stage_unavailable': 'Unavailable; try again shortly', 'error.network': 'The network failed',
  'error.not_found': 'Not found', 'error.window_too_large': 'Too many cases in the window; shorten it', 'error.invalid_query': 'Check the query',
};

// Labels of the API's values, by list.
const enums = {
  kind: { consultation: ['咨询', 'Consultation'], complaint: ['投诉', 'Complaint'], suggestion: ['建议', 'Suggestion'] },
  channel: { online_platform: ['网上平台', 'Online platform'], hotline_phone: ['12345 热线电话', '12345 hotline (phone)'], hotline_web: ['12345 网站', '12345 website'], service_hall: ['政务服务大厅', 'Service hall'] },
  submitter_type: { individual: ['个人', 'Individual'], enterprise: ['企业', 'Enterprise'] },
  status: {
    received: ['已接收', 'Received'], screening: ['受理审核中', 'Being screened'], rejected: ['不予受理', 'Not accepted'],
    accepted: ['已受理', 'Accepted'], escalated: ['已呈报', 'Escalated'], handling: ['办理中', 'Being handled'],
    reply_drafted: ['已拟答复', 'Reply drafted'], awaiting_qc: ['待质检', 'Awaiting QC'], closed: ['已办结', 'Closed'], under_review: ['复核中', 'Under review'],
  },
  mode: { immediate: ['即办', 'Immediate'], direct: ['直办', 'Direct'], transfer: ['转办', 'Transfer'], joint: ['协办', 'Joint'], escalate: ['呈办', 'Escalate'] },
  form: { oral: ['口头', 'Oral'], written: ['书面', 'Written'] },
  role: { bureau: ['管理部门', 'Bureau'], unit: ['承办单位', 'Unit'], agent: ['话务/窗口', 'Agent'], supervisor: ['监督', 'Supervisor'], scheduler: ['定时任务', 'Scheduler'], citizen: ['诉求人', 'Citizen'], system: ['系统', 'System'] },
  queue: {
    screening: ['受理审核', 'Screening'], triage: ['待分办', 'Triage'], stuck: ['停滞', 'Stuck'], qc: ['待质检', 'QC'], overdue: ['超期', 'Overdue'],
    follow_up: ['待回访', 'Follow-up'], review: ['复核', 'Review'], rejected: ['不予受理', 'Not accepted'], unseen: ['未查看单位', 'Units that did not look'],
  },
  milestone: { contact: ['联系诉求人', 'Contact'], investigate: ['调查核实', 'Investigate'], finish: ['办结', 'Finish'], decision: ['受理审核决定', 'Decision'] },
  urge_level: { warning: ['临期提醒', 'Warning'], overdue: ['超期催办', 'Overdue'], urge: ['督办', 'Urge'] },
  adoption: { adopted: ['采纳', 'Adopted'], partly_adopted: ['部分采纳', 'Partly adopted'], not_adopted: ['未采纳', 'Not adopted'] },
  satisfaction: { satisfied: ['满意', 'Satisfied'], basically_satisfied: ['基本满意', 'Basically satisfied'], dissatisfied: ['不满意', 'Dissatisfied'] },
  result: { satisfied: ['满意', 'Satisfied'], basically_satisfied: ['基本满意', 'Basically satisfied'], dissatisfied: ['不满意', 'Dissatisfied'], unreachable: ['无法联系', 'Unreachable'] },
  group_by: { unit: ['按单位', 'By unit'], county: ['按县区', 'By county'], month: ['按月', 'By month'], week: ['按周', 'By week'] },
  rect_status: { open: ['待整改', 'Open'], in_progress: ['整改中', 'In progress'], done: ['已完成', 'Done'] },
  attention: {
    concentrated_complaints: ['投诉集中', 'Concentrated complaints'], many_overdue: ['超期件多', 'Many overdue'], low_satisfaction: ['满意率偏低', 'Low satisfaction'], low_on_time_rate: ['按期办结率偏低', 'Low on-time rate'],
  },
  action: {
    confirm_rejection: ['确认不予受理', 'Confirm rejection'], override_to_accept: ['改为受理', 'Accept instead'], override_to_reject: ['改为不予受理', 'Reject instead'],
    route: ['分办', 'Route'], accept_assignment: ['签收', 'Sign for it'], return_misrouted: ['退回（非本单位职责）', 'Return as misrouted'],
    reassign: ['改派', 'Reassign'], escalate: ['呈报', 'Escalate'], receive_instruction: ['接收批示', 'Receive instruction'], close_on_instruction: ['按批示办结', 'Close on instruction'],
    request_extension: ['申请延期', 'Request extension'], approve_extension: ['批准延期', 'Approve extension'], refuse_extension: ['不同意延期', 'Refuse extension'],
    record_contact: ['记录联系', 'Record contact'], mark_complex: ['标记为复杂件', 'Mark complex'], co_unit_input: ['协办意见', 'Co-unit input'],
    refer_misconduct_clue: ['移送问题线索', 'Refer misconduct clue'], acknowledge_clue: ['线索回执', 'Acknowledge clue'], urge: ['督办', 'Urge'],
    explain_delay: ['超期说明', 'Explain delay'], draft_reply: ['拟写答复', 'Draft reply'], leader_review: ['负责人审核', 'Leader review'],
    qc_pass: ['质检通过', 'Pass QC'], qc_fail: ['质检不通过', 'Fail QC'], follow_up: ['回访', 'Follow up'], request_review: ['申请复核', 'Request review'],
    uphold_review: ['维持原答复', 'Uphold'], return_on_review: ['复核退回', 'Return on review'],
  },
  event: {
    accepted: ['受理', 'Accepted'], rejection_proposed: ['建议不予受理', 'Rejection proposed'], rejection_confirmed: ['确认不予受理', 'Rejection confirmed'],
    rejected: ['不予受理', 'Rejected'], overridden: ['改判', 'Overridden'], routed: ['分办', 'Routed'], returned_misrouted: ['退回', 'Returned as misrouted'],
    assignment_accepted: ['签收', 'Signed for'], reassigned: ['改派', 'Reassigned'], answered_immediately: ['即办答复', 'Answered at once'],
    transferred_direct: ['直办', 'Transferred directly'], escalated: ['呈报', 'Escalated'], instruction_received: ['接收批示', 'Instruction received'],
    extension_requested: ['申请延期', 'Extension requested'], extension_approved: ['批准延期', 'Extension approved'], extension_refused: ['不同意延期', 'Extension refused'],
    co_unit_input: ['协办意见', 'Co-unit input'], misconduct_clue_referred: ['移送问题线索', 'Clue referred'], clue_acknowledged: ['线索回执', 'Clue acknowledged'],
    submitter_contacted: ['联系诉求人', 'Submitter contacted'], marked_complex: ['标记复杂件', 'Marked complex'], urged: ['督办', 'Urged'],
    delay_explained: ['超期说明', 'Delay explained'], reply_drafted: ['拟写答复', 'Reply drafted'], leader_reviewed: ['负责人审核', 'Leader reviewed'],
    qc_passed: ['质检通过', 'QC passed'], qc_failed: ['质检不通过', 'QC failed'], followed_up: ['回访', 'Followed up'], review_requested: ['申请复核', 'Review requested'],
    review_upheld: ['维持原答复', 'Review upheld'], review_returned: ['复核退回', 'Returned on review'], repeat_merged: ['重复件并单', 'Repeat merged'], closed: ['办结', 'Closed'],
  },
};

// Labels of the API's field names (actions' fields, problems' fields).
const fields = {
  reason: ['理由', 'Reason'], reasons: ['不通过理由', 'Reasons'], category: ['不予受理类别（1–4）', 'Category (1–4)'], lead: ['主办单位', 'Lead unit'],
  co_units: ['协办单位', 'Co-units'], note: ['备注', 'Note'], instruction: ['批示内容', 'Instruction'], working_days: ['延长工作日', 'Working days'],
  city_leader: ['批准的市领导', 'Approving city leader'], text: ['答复内容', 'Text'], destination: ['移送机关', 'Destination'],
  explanation: ['超期原因', 'Explanation'], adoption: ['采纳情况', 'Adoption'], adoption_reason: ['未采纳理由', 'Why not adopted'],
  written_reply: ['书面答复', 'Answered in writing'], approved: ['同意提交质检', 'Approve for QC'], result: ['回访结果', 'Result'],
  title: ['标题', 'Title'], content: ['诉求内容', 'Content'], county: ['所属县区', 'County'], kind: ['诉求类型', 'Kind'], channel: ['渠道', 'Channel'],
  mode: ['办理方式', 'Mode'], form: ['大厅诉求形式', 'Form'], answer: ['答复', 'Answer'], unit: ['单位', 'Unit'],
  'submitter.type': ['诉求人类型', 'Submitter'], 'submitter.name': ['姓名', 'Name'], 'submitter.phone': ['联系电话', 'Phone'],
  'submitter.address': ['联系地址', 'Address'], 'submitter.id_number': ['证件号码', 'ID number'],
  phone_last4: ['手机号后四位', 'Last four digits'], code: ['查询码', 'Tracking code'], satisfaction: ['满意度', 'Satisfaction'],
  purpose: ['查看目的', 'Purpose'], token: ['令牌', 'Token'], file: ['文件', 'File'], owner: ['责任单位', 'Owner'], due_date: ['期限', 'Due date'],
  from: ['开始日期', 'From'], to: ['结束日期', 'To'], date: ['日期', 'Date'],
};

export const dictionaries = { zh, en };
export const labels = { enums, fields };

export function lang() {
  return localStorage.getItem(LANG) === 'en' ? 'en' : 'zh-CN';
}

export function setLang(value) {
  localStorage.setItem(LANG, value === 'en' ? 'en' : 'zh-CN');
}

const pick = (pair) => (lang() === 'en' ? pair[1] : pair[0]);

// A phrase by key, with {name} filled from vars; `fallback` when unknown
// (the key itself by default, so a missing phrase shows, never vanishes).
export function t(key, vars, fallback) {
  const dict = lang() === 'en' ? en : zh;
  let s = dict[key];
  if (s === undefined) return fallback === undefined ? key : fallback;
  for (const [k, v] of Object.entries(vars || {})) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function enumLabel(list, value) {
  const pair = enums[list] && enums[list][value];
  return pair ? pick(pair) : String(value ?? '');
}

export function label(name) {
  const pair = fields[name] || fields[String(name).replace(/\[\d+\]$/, '')];
  return pair ? pick(pair) : name;
}
