<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
  <context>
    <name>AccessPanel</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_person.py" line="60" />
      <source>Save access</source>
      <translation>保存权限</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_person.py" line="62" />
      <source>Validity applies to the checked levels too</source>
      <translation>有效期同样适用于勾选的权限组</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_person.py" line="64" />
      <source>Valid from:</source>
      <translation>生效日期：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_person.py" line="65" />
      <source>Valid until:</source>
      <translation>截止日期：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_person.py" line="70" />
      <source>Access levels:</source>
      <translation>门禁权限组：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_person.py" line="84" />
      <source>Save the person first.</source>
      <translation>请先保存人员。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_person.py" line="97" />
      <source>Visitor of {} until {}</source>
      <translation>访客（被访人 {}），有效至 {}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_person.py" line="119" />
      <source>Saved.</source>
      <translation>已保存。</translation>
    </message>
  </context>
  <context>
    <name>AttendancePage</name>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="90" />
      <source>Attendance</source>
      <translation>考勤</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="110" />
      <source>Select an event to see its evidence photo.</source>
      <translation>选择一条记录以查看其证据照片。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="124" />
      <source>Events</source>
      <translation>事件</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="136" />
      <source>Name or employee number</source>
      <translation>姓名或工号</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="142" />
      <source>All kinds</source>
      <translation>全部类型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="145" />
      <source>Spoof suspected</source>
      <translation>疑似伪造</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="154" />
      <source>From:</source>
      <translation>从：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="154" />
      <source>To:</source>
      <translation>到：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="155" />
      <source>Person:</source>
      <translation>人员：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="156" />
      <source>Department:</source>
      <translation>部门：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="156" />
      <source>Kind:</source>
      <translation>类型：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="157" />
      <source>Desk:</source>
      <translation>考勤台：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="157" />
      <source>Site:</source>
      <translation>站点：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="172" />
      <source>Add event…</source>
      <translation>添加记录…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="173" />
      <source>Correct…</source>
      <translation>更正…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="174" />
      <source>Delete…</source>
      <translation>删除…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="175" />
      <source>Export report…</source>
      <translation>导出报表…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="193" />
      <source>All departments</source>
      <translation>全部部门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="199" />
      <source>All sites</source>
      <translation>全部站点</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="200" />
      <source>All desks</source>
      <translation>全部考勤台</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="242" />
      <source>Cannot read the events</source>
      <translation>无法读取考勤记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="246" />
      <source>{0} events</source>
      <translation>{0} 条记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="278" />
      <source>This event has no evidence photo.</source>
      <translation>此记录没有证据照片。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="290" />
      <source>Reason (recorded in the audit log):</source>
      <translation>原因（将记入审计日志）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="324" />
      <source>Delete event</source>
      <translation>删除记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="350" />
      <source>The correction was not saved</source>
      <translation>更正未保存</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="361" />
      <source>Export report</source>
      <translation>导出报表</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance.py" line="392" />
      <source>The report was not written</source>
      <translation>报表未能写入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_hr.py" line="37" />
      <source>Days</source>
      <translation>每日考勤</translation>
    </message>
  </context>
  <context>
    <name>AuditDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="95" />
      <source>Audit log</source>
      <translation>审计日志</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="105" />
      <source>Since</source>
      <translation>起始日期</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="112" />
      <source>Anyone</source>
      <translation>任何人</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="129" />
      <source>All</source>
      <translation>全部</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="138" />
      <source>Time:</source>
      <translation>时间：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="139" />
      <source>Entity:</source>
      <translation>对象类型：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="140" />
      <source>Person id:</source>
      <translation>人员 ID：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="142" />
      <source>Site:</source>
      <translation>站点：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="143" />
      <source>Desk:</source>
      <translation>考勤台：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="144" />
      <source>At most:</source>
      <translation>最多：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="148" />
      <source>Show</source>
      <translation>显示</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="185" />
      <source>Entries: {} (newest first)</source>
      <translation>条目：{}（最新在前）</translation>
    </message>
  </context>
  <context>
    <name>AuditModel</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="66" />
      <source>Action</source>
      <translation>操作</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="66" />
      <source>Actor</source>
      <translation>操作者</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="66" />
      <source>Desk</source>
      <translation>考勤台</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="66" />
      <source>Entity</source>
      <translation>对象</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="66" />
      <source>Person</source>
      <translation>人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="66" />
      <source>Site</source>
      <translation>站点</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="66" />
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/audit.py" line="67" />
      <source>Details</source>
      <translation>详情</translation>
    </message>
  </context>
  <context>
    <name>CapturePanel</name>
    <message>
      <source>Look straight at the camera</source>
      <translation>请正视摄像头</translation>
    </message>
    <message>
      <source>Turn a little to your left</source>
      <translation>请稍向左转</translation>
    </message>
    <message>
      <source>Turn a little to your right</source>
      <translation>请稍向右转</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="65" />
      <source>No face seen: stand in front of the camera</source>
      <translation>未检测到人脸：请站在摄像头前</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="67" />
      <source>Only one person in front of the camera, please</source>
      <translation>摄像头前请只保留一人</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="70" />
      <source>Come a little closer</source>
      <translation>请再靠近一点</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="72" />
      <source>Hold still</source>
      <translation>请保持不动</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="74" />
      <source>More light on the face, please</source>
      <translation>请让脸部光线更充足</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="77" />
      <source>Look straight: keep your chin level</source>
      <translation>请正视：保持下巴水平</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="80" />
      <source>Hold it… captured</source>
      <translation>保持住…已采集</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="123" />
      <source>The face the camera sees now, as it would be enrolled</source>
      <translation>摄像头当前看到的人脸（即将录入的样子）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="128" />
      <source>Start capture</source>
      <translation>开始采集</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="130" />
      <source>Remove selected</source>
      <translation>移除所选</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="131" />
      <source>Save captured faces</source>
      <translation>保存采集的人脸</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="164" />
      <source>Stop capture</source>
      <translation>停止采集</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="180" />
      <source>This looks like a photo or a screen, not a live person: nothing is captured</source>
      <translation>这看起来是照片或屏幕，而不是真人：不会采集</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="182" />
      <source>Checking that this is a live face…</source>
      <translation>正在确认这是真人的脸…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="219" />
      <source>Spoof suspected: live score {0:.3f} &lt; {1:.2f} over {2} frames. Faces shown on a photo or a screen are not enrolled; the person must stand in front of the camera themself.</source>
      <translation>疑似伪造：{2} 帧的活体分数 {0:.3f} &lt; {1:.2f}。照片或屏幕上的人脸不会被登记；本人必须亲自站在摄像头前。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="231" />
      <source>Not enrolled: the captured faces look like a photo or a screen, not a live person.</source>
      <translation>未登记：采集到的人脸看起来是照片或屏幕，而不是真人。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="237" />
      <source>no face</source>
      <translation>无人脸</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="243" />
      <source>Done: remove any poor picture, then save the captured faces</source>
      <translation>完成：请移除效果不佳的图片，然后保存采集的人脸</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="245" />
      <source>Press Start capture and look at the camera</source>
      <translation>请按“开始采集”并看向摄像头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/capture.py" line="260" />
      <source>{} faces enrolled</source>
      <translation>已录入 {} 张人脸</translation>
    </message>
  </context>
  <context>
    <name>CrashDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/crash.py" line="29" />
      <source>Unexpected error</source>
      <translation>意外错误</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/crash.py" line="31" />
      <source>faceapp ran into an unexpected error (a bug). Your data is safe; what was being done may not have finished. Please send the log file to support.</source>
      <translation>faceapp 遇到了意外错误（程序缺陷）。您的数据是安全的，但正在进行的操作可能没有完成。请将日志文件发送给技术支持。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/crash.py" line="37" />
      <source>no log file could be written</source>
      <translation>无法写入日志文件</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/crash.py" line="38" />
      <source>Log file: {path}</source>
      <translation>日志文件：{path}</translation>
    </message>
  </context>
  <context>
    <name>DayStatusPanel</name>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="185" />
      <source>Name or employee number</source>
      <translation>姓名或工号</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="189" />
      <source>All days</source>
      <translation>全部日期</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="190" />
      <source>Exceptions only</source>
      <translation>仅异常</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="201" />
      <source>From:</source>
      <translation>从：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="201" />
      <source>To:</source>
      <translation>到：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="202" />
      <source>Department:</source>
      <translation>部门：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="202" />
      <source>Person:</source>
      <translation>人员：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="203" />
      <source>Site:</source>
      <translation>站点：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="203" />
      <source>Status:</source>
      <translation>状态：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="204" />
      <source>Desk:</source>
      <translation>考勤台：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="214" />
      <source>Export time cards…</source>
      <translation>导出考勤卡…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="216" />
      <source>Export summary…</source>
      <translation>导出汇总…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="245" />
      <source>All departments</source>
      <translation>全部部门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="251" />
      <source>All sites</source>
      <translation>全部站点</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="252" />
      <source>All desks</source>
      <translation>全部考勤台</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="291" />
      <source>Cannot compute the attendance</source>
      <translation>无法计算考勤</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="306" />
      <source>{0} person-days, {1} exceptions</source>
      <translation>{0} 人天，{1} 项异常</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="311" />
      <source>Export</source>
      <translation>导出</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="330" />
      <source>The report was not written</source>
      <translation>报表未能写入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_hr.py" line="38" />
      <source>Shifts, holidays and leave…</source>
      <translation>班次、节假日与请假…</translation>
    </message>
  </context>
  <context>
    <name>DayTableModel</name>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="82" />
      <source>Late</source>
      <translation>迟到</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="82" />
      <source>Present</source>
      <translation>正常</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="83" />
      <source>Early leave</source>
      <translation>早退</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="84" />
      <source>Late and early leave</source>
      <translation>迟到且早退</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="85" />
      <source>Absent</source>
      <translation>旷工</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="85" />
      <source>Half day</source>
      <translation>半天</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="86" />
      <source>Holiday</source>
      <translation>节假日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="86" />
      <source>On leave</source>
      <translation>请假</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="87" />
      <source>Missing punch</source>
      <translation>缺卡</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="87" />
      <source>Rest day</source>
      <translation>休息</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="88" />
      <source>Not over yet</source>
      <translation>未结束</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="103" />
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="103" />
      <source>Department</source>
      <translation>部门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="103" />
      <source>Employee no.</source>
      <translation>工号</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="103" />
      <source>Person</source>
      <translation>人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="103" />
      <source>Shift</source>
      <translation>班次</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="104" />
      <source>In</source>
      <translation>签到</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="104" />
      <source>Out</source>
      <translation>签退</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="104" />
      <source>Overtime</source>
      <translation>加班</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="104" />
      <source>Worked</source>
      <translation>工作时长</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_days.py" line="105" />
      <source>Status</source>
      <translation>状态</translation>
    </message>
  </context>
  <context>
    <name>DoorDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="31" />
      <source>Add door</source>
      <translation>添加门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="31" />
      <source>Change door</source>
      <translation>修改门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="37" />
      <source>Camera names watching this door, separated by commas</source>
      <translation>拍摄此门的摄像头名称，用逗号分隔</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="39" />
      <source>both</source>
      <translation>双向</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="39" />
      <source>in</source>
      <translation>进</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="39" />
      <source>out</source>
      <translation>出</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="45" />
      <source>Output options as JSON: method, headers, body, payload, qos, on, off, ca_file… (templates may use ${door}, ${person}, ${action}, ${pulse_ms})</source>
      <translation>输出选项（JSON）：method、headers、body、payload、qos、on、off、ca_file…（模板可用 ${door}、${person}、${action}、${pulse_ms}）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="52" />
      <source>A pass also records attendance</source>
      <translation>通行同时记录考勤</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="54" />
      <source>not required</source>
      <translation>不要求</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="54" />
      <source>required</source>
      <translation>要求</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="55" />
      <source>required, score at least 0.9</source>
      <translation>要求，分数至少 0.9</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="60" />
      <source>Name:</source>
      <translation>名称：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="61" />
      <source>Cameras:</source>
      <translation>摄像头：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="62" />
      <source>Direction:</source>
      <translation>方向：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="63" />
      <source>Output:</source>
      <translation>输出：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="64" />
      <source>Output options:</source>
      <translation>输出选项：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="65" />
      <source>Pulse:</source>
      <translation>脉冲时长：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="66" />
      <source>Area (anti-passback):</source>
      <translation>区域（防潜回）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="67" />
      <source>Liveness:</source>
      <translation>活体检测：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="91" />
      <source>score at least {}</source>
      <translation>分数至少 {}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="100" />
      <source>The output options are not valid JSON: {}</source>
      <translation>输出选项不是有效的 JSON：{}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_door.py" line="103" />
      <source>The output options must be a JSON object, e.g. {"method": "POST"}</source>
      <translation>输出选项必须是 JSON 对象，例如 {"method": "POST"}</translation>
    </message>
    <message>
      <source>required (strict)</source>
      <translation type="vanished">要求（严格）</translation>
    </message>
  </context>
  <context>
    <name>DoorsModel</name>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="23" />
      <source>Lockdown</source>
      <translation>封锁</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="23" />
      <source>Normal</source>
      <translation>正常</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="24" />
      <source>Held open</source>
      <translation>常开</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="33" />
      <source>Area</source>
      <translation>区域</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="33" />
      <source>Direction</source>
      <translation>方向</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="33" />
      <source>Door</source>
      <translation>门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="33" />
      <source>Output</source>
      <translation>输出</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="33" />
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="40" />
      <source>both</source>
      <translation>双向</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="40" />
      <source>in</source>
      <translation>进</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors_model.py" line="40" />
      <source>out</source>
      <translation>出</translation>
    </message>
  </context>
  <context>
    <name>DoorsPage</name>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="53" />
      <source>access granted</source>
      <translation>允许通行</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="53" />
      <source>emergency unlock</source>
      <translation>紧急开门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="54" />
      <source>spoof suspected</source>
      <translation>疑似伪造人脸</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="54" />
      <source>uncertain match</source>
      <translation>匹配不确定</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="54" />
      <source>unknown face</source>
      <translation>陌生人脸</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="55" />
      <source>no access level for this door</source>
      <translation>无此门的门禁权限</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="55" />
      <source>outside schedule</source>
      <translation>不在通行时段</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="56" />
      <source>expired</source>
      <translation>已过期</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="56" />
      <source>holiday</source>
      <translation>节假日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="56" />
      <source>not yet valid</source>
      <translation>尚未生效</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="57" />
      <source>anti-passback</source>
      <translation>防潜回</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="57" />
      <source>door in lockdown</source>
      <translation>门已封锁</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="58" />
      <source>back to normal</source>
      <translation>恢复正常</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="58" />
      <source>door fault</source>
      <translation>门故障</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="58" />
      <source>opened by hand</source>
      <translation>手动开门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="66" />
      <source>(unnamed)</source>
      <translation>（未命名）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="66" />
      <source>Desk: {}</source>
      <translation>考勤台：{}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="66" />
      <source>Site: {}</source>
      <translation>站点：{}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="78" />
      <source>Doors</source>
      <translation>门禁</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="96" />
      <source>Show the decisions written at one site and desk</source>
      <translation>只显示某个站点和考勤台记录的决定</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="104" />
      <source>Add door…</source>
      <translation>添加门…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="104" />
      <source>Change door…</source>
      <translation>修改门…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="105" />
      <source>Open door…</source>
      <translation>开门…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="105" />
      <source>Remove door</source>
      <translation>删除门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="106" />
      <source>Lockdown</source>
      <translation>封锁</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="107" />
      <source>Emergency unlock</source>
      <translation>紧急开门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="108" />
      <source>Back to normal</source>
      <translation>恢复正常</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="109" />
      <source>Test output</source>
      <translation>测试输出</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="110" />
      <source>Levels and schedules…</source>
      <translation>权限组与时段…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="111" />
      <source>Register visitor…</source>
      <translation>访客登记…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="112" />
      <source>Export…</source>
      <translation>导出…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="112" />
      <source>Visitors…</source>
      <translation>访客…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="179" />
      <source>All desks</source>
      <translation>全部考勤台</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="195" />
      <source>No gallery is connected</source>
      <translation>未连接人脸库</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="198" />
      <source>Last decisions</source>
      <translation>最近的通行记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="198" />
      <source>Last decisions at {}</source>
      <translation>{} 的最近通行记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="207" />
      <source>Unknown person</source>
      <translation>陌生人</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="209" />
      <source>Denied</source>
      <translation>拒绝</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="209" />
      <source>Granted</source>
      <translation>允许</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="291" />
      <source>Open door</source>
      <translation>开门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="292" />
      <source>Why is {} opened by hand?</source>
      <translation>为什么要手动打开 {}？</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="312" />
      <source>Reason (kept in the journal):</source>
      <translation>原因（记入日志）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="350" />
      <source>Export access events</source>
      <translation>导出门禁记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="352" />
      <source>Excel (*.xlsx);;PDF (*.pdf);;CSV (*.csv)</source>
      <translation>Excel (*.xlsx);;PDF (*.pdf);;CSV (*.csv)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="360" />
      <source>Access events</source>
      <translation>门禁记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/doors.py" line="376" />
      <source>Remove the door {}?</source>
      <translation>删除门 {}？</translation>
    </message>
    <message>
      <source>Area</source>
      <translation type="vanished">区域</translation>
    </message>
    <message>
      <source>Direction</source>
      <translation type="vanished">方向</translation>
    </message>
    <message>
      <source>Door</source>
      <translation type="vanished">门</translation>
    </message>
    <message>
      <source>Held open</source>
      <translation type="vanished">常开</translation>
    </message>
    <message>
      <source>Normal</source>
      <translation type="vanished">正常</translation>
    </message>
    <message>
      <source>Output</source>
      <translation type="vanished">输出</translation>
    </message>
    <message>
      <source>State</source>
      <translation type="vanished">状态</translation>
    </message>
    <message>
      <source>both</source>
      <translation type="vanished">双向</translation>
    </message>
    <message>
      <source>in</source>
      <translation type="vanished">进</translation>
    </message>
    <message>
      <source>out</source>
      <translation type="vanished">出</translation>
    </message>
  </context>
  <context>
    <name>DoorsSettingsBox</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_settings.py" line="28" />
      <source>Doors</source>
      <translation>门禁</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_settings.py" line="33" />
      <source>Test this output</source>
      <translation>测试此输出</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_settings.py" line="41" />
      <source> days</source>
      <translation> 天</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_settings.py" line="43" />
      <source>Visitors and their photos are deleted this long after their visit ends</source>
      <translation>访客及其照片在来访结束后保留这么久，然后删除</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_settings.py" line="48" />
      <source>Door:</source>
      <translation>门：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_settings.py" line="50" />
      <source>Keep visitors:</source>
      <translation>访客保留：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_settings.py" line="63" />
      <source>Failed: {}</source>
      <translation>失败：{}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_settings.py" line="66" />
      <source>OK: {}</source>
      <translation>正常：{}</translation>
    </message>
  </context>
  <context>
    <name>EnrolDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="61" />
      <source>enrolled face {0} of {1} (the dominant one)</source>
      <translation>已登记第 {0} 张脸（共 {1} 张，取最主要的一张）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="63" />
      <source>enrolled</source>
      <translation>已录入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="65" />
      <source>already enrolled</source>
      <translation>此前已录入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="67" />
      <source>matches {} (id {})</source>
      <translation>与 {}（编号 {}）相符</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="139" />
      <source>Enrol person</source>
      <translation>录入人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="153" />
      <source>Photos</source>
      <translation>照片</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="156" />
      <source>Camera</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="163" />
      <source>Access</source>
      <translation>门禁</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="176" />
      <source>Add photos…</source>
      <translation>添加照片…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="178" />
      <source>…or drop photo files onto this window. Each photo must show one face.</source>
      <translation>…或将照片文件拖放到此窗口。每张照片必须只有一张人脸。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="184" />
      <source>Enrol anyway</source>
      <translation>仍然录入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="185" />
      <source>Enrol the selected photo although it matches someone else</source>
      <translation>尽管与他人相符，仍录入所选照片</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="212" />
      <source>Cannot add the person</source>
      <translation>无法添加此人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="222" />
      <source>Add photos</source>
      <translation>添加照片</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="301" />
      <source>Saving…</source>
      <translation>正在保存…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="327" />
      <source>Enrol anyway?</source>
      <translation>仍然录入？</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="328" />
      <source>{}

Enrol these faces anyway?</source>
      <translation>{}

仍然录入这些人脸吗？</translation>
    </message>
    <message>
      <source>Look straight at the camera</source>
      <translation type="vanished">请正视摄像头</translation>
    </message>
    <message>
      <source>Turn a little to your left</source>
      <translation type="vanished">请稍向左转</translation>
    </message>
    <message>
      <source>Turn a little to your right</source>
      <translation type="vanished">请稍向右转</translation>
    </message>
    <message>
      <source>{} faces enrolled</source>
      <translation type="vanished">已录入 {} 张人脸</translation>
    </message>
  </context>
  <context>
    <name>EventDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/correction.py" line="34" />
      <source>Add an event</source>
      <translation>添加记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/correction.py" line="34" />
      <source>Correct an event</source>
      <translation>更正记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/correction.py" line="48" />
      <source>Required: why is this corrected?</source>
      <translation>必填：为什么要更正？</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/correction.py" line="55" />
      <source>Person:</source>
      <translation>人员：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/correction.py" line="56" />
      <source>Kind:</source>
      <translation>类型：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/correction.py" line="57" />
      <source>Time:</source>
      <translation>时间：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/correction.py" line="58" />
      <source>Note:</source>
      <translation>备注：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/correction.py" line="59" />
      <source>Reason:</source>
      <translation>原因：</translation>
    </message>
  </context>
  <context>
    <name>EventTableModel</name>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="25" />
      <source>Check-in</source>
      <translation>签到</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="26" />
      <source>Check-out</source>
      <translation>签退</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="27" />
      <source>Unknown face</source>
      <translation>陌生人脸</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="28" />
      <source>Uncertain</source>
      <translation>不确定</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="29" />
      <source>Refused</source>
      <translation>已拒绝</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="51" />
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="52" />
      <source>Person</source>
      <translation>人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="53" />
      <source>Employee no.</source>
      <translation>工号</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="54" />
      <source>Department</source>
      <translation>部门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="55" />
      <source>Kind</source>
      <translation>类型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="56" />
      <source>Camera</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="57" />
      <source>Site</source>
      <translation>站点</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="58" />
      <source>Desk</source>
      <translation>考勤台</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="59" />
      <source>Score</source>
      <translation>相似度</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="60" />
      <source>Note</source>
      <translation>备注</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="113" />
      <source>spoof suspected (logged)</source>
      <translation>疑似伪造（仅记录）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/attendance_model.py" line="119" />
      <source>(unknown)</source>
      <translation>（未知）</translation>
    </message>
  </context>
  <context>
    <name>LevelsDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="33" />
      <source>Access levels and schedules</source>
      <translation>门禁权限组与时段</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="45" />
      <source>Open on holidays</source>
      <translation>节假日开放</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="47" />
      <source>Save level</source>
      <translation>保存权限组</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="49" />
      <source>Delete level</source>
      <translation>删除权限组</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="55" />
      <source>Name of the holiday</source>
      <translation>节假日名称</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="61" />
      <source>Name:</source>
      <translation>名称：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="62" />
      <source>Doors:</source>
      <translation>门：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="63" />
      <source>Schedule:</source>
      <translation>时段：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="74" />
      <source>Add holiday</source>
      <translation>添加节假日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="76" />
      <source>Remove holiday</source>
      <translation>删除节假日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="81" />
      <source>Holidays (closed unless a level opens on holidays)</source>
      <translation>节假日（除非权限组允许，节假日关闭）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="98" />
      <source>New level</source>
      <translation>新建权限组</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="108" />
      <source>(company calendar)</source>
      <translation>（公司日历）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="137" />
      <source>Open: {}</source>
      <translation>开放：{}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="137" />
      <source>never</source>
      <translation>从不</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/access_levels.py" line="158" />
      <source>Saved {}</source>
      <translation>已保存 {}</translation>
    </message>
  </context>
  <context>
    <name>LivePage</name>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="87" />
      <source>Live</source>
      <translation>实时</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="124" />
      <source>Latest check-ins</source>
      <translation>最近签到</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="147" />
      <source>Runs on: {}</source>
      <translation>运行于：{}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="152" />
      <source>The database server cannot be reached. This desk keeps recognising and delivers the queued events when the server is back; enrolment, removal and settings need the server.</source>
      <translation>无法连接数据库服务器。本终端继续识别，服务器恢复后会发送排队的事件；录入、删除人员和更改设置需要连接服务器。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="234" />
      <source>Use File ▸ Open video file…, Open image folder… or Open URL… to choose another source.</source>
      <translation>请使用“文件 ▸ 打开视频文件…”、“打开图片文件夹…”或“打开网址…”选择其他来源。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="237" />
      <source>playing</source>
      <translation>正在播放</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="255" />
      <source>Video {:.1f} fps</source>
      <translation>视频 {:.1f} 帧/秒</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="256" />
      <source>Recognition {:.0f} ms · {:.1f} fps</source>
      <translation>识别 {:.0f} 毫秒 · {:.1f} 帧/秒</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="266" />
      <source>Server reachable again — delivering {0} queued events</source>
      <translation>服务器已恢复 — 正在发送 {0} 条排队事件</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="270" />
      <source>Offline since {0}</source>
      <translation>自 {0} 起离线</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="271" />
      <source>Offline since {0} — 1 event queued</source>
      <translation>自 {0} 起离线 — 1 条事件排队中</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="272" />
      <source>Offline since {0} — {1} events queued</source>
      <translation>自 {0} 起离线 — {1} 条事件排队中</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="279" />
      <source>Identification is off: no gallery is connected, so faces are shown without names.</source>
      <translation>身份识别已关闭：未连接人脸库，因此人脸不显示姓名。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="281" />
      <source>Check-ins are off: no attendance desk is connected.</source>
      <translation>签到已关闭：未连接考勤台。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/live.py" line="283" />
      <source>Nobody is enrolled yet: use People ▸ Enrol person… so that faces get names.</source>
      <translation>尚未录入任何人员：请使用“人员 ▸ 录入人员…”，以便人脸显示姓名。</translation>
    </message>
  </context>
  <context>
    <name>Liveness</name>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="36" />
      <source>not done in time</source>
      <translation>未在规定时间内完成</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="36" />
      <source>the head turned the other way</source>
      <translation>头转向了另一侧</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="40" />
      <source>Block (no check-in, no door)</source>
      <translation>拦截（不签到、不开门）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="40" />
      <source>Log only</source>
      <translation>仅记录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="40" />
      <source>Off</source>
      <translation>关闭</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="44" />
      <source>Blink</source>
      <translation>眨眼</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="44" />
      <source>Head turn (left or right, asked at random)</source>
      <translation>转头（随机要求向左或向右）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="44" />
      <source>None</source>
      <translation>无</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="45" />
      <source>Blink and head turn</source>
      <translation>眨眼并转头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="53" />
      <source>Liveness (photo and screen attacks)</source>
      <translation>活体检测（照片和屏幕攻击）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="56" />
      <source>As all cameras</source>
      <translation>与所有摄像头相同</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="63" />
      <source>{0:.1f} % of live faces refused, {1:.1f} % of print attacks pass (threshold {2:.2f})</source>
      <translation>{0:.1f}% 的真人被拒绝，{1:.1f}% 的打印照片攻击通过（阈值 {2:.2f}）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="71" />
      <source> s</source>
      <translation> 秒</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="72" />
      <source>This camera's picture is mirrored (selfie view)</source>
      <translation>此摄像头的画面是镜像的（自拍视角）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="73" />
      <source>Tick it when the camera shows people as in a mirror, so that a head turn to the left is read as a turn to the left.</source>
      <translation>摄像头像镜子一样显示人像时请勾选，这样向左转头才会被识别为向左转头。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="75" />
      <source>Measured on printed-photo attacks (NUAA); phone and tablet screens were not measured: use a challenge where doors open.</source>
      <translation>基于打印照片攻击（NUAA）测得；未测量手机和平板屏幕攻击：开门处请启用动作验证。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="80" />
      <source>All cameras:</source>
      <translation>所有摄像头：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="81" />
      <source>This camera ({0}):</source>
      <translation>本摄像头（{0}）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="82" />
      <source>Operating point:</source>
      <translation>工作点：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="83" />
      <source>Challenge:</source>
      <translation>动作验证：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="84" />
      <source>Time to answer:</source>
      <translation>完成时限：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="150" />
      <source>Liveness check not passed ({0}): step out of view, then try again.</source>
      <translation>活体检测未通过（{0}）：请先离开画面，再重新尝试。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="154" />
      <source>Spoof suspected: {0} (photo or screen?)</source>
      <translation>疑似伪造：{0}（照片或屏幕？）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="172" />
      <source>turn your head to your left</source>
      <translation>向左转头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="172" />
      <source>turn your head to your right</source>
      <translation>向右转头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="173" />
      <source>look straight at the camera again</source>
      <translation>请再次正对摄像头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="174" />
      <source>please turn your head a little</source>
      <translation>请稍微转动头部</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="177" />
      <source> (then {0} more turn(s))</source>
      <translation>（之后还需转头 {0} 次）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="178" />
      <source>please blink</source>
      <translation>请眨眼</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="179" />
      <source> and </source>
      <translation>并</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="180" />
      <source> ({0:.0f} s)</source>
      <translation>（{0:.0f} 秒）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/liveness.py" line="181" />
      <source>Liveness check: {0}{1}</source>
      <translation>活体检测：{0}{1}</translation>
    </message>
    <message>
      <source>Small head turn</source>
      <translation type="vanished">轻微转头</translation>
    </message>
  </context>
  <context>
    <name>LoginDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="85" />
      <source>User name:</source>
      <translation>用户名：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="86" />
      <source>Password:</source>
      <translation>密码：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="88" />
      <source>Password again:</source>
      <translation>再次输入密码：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="102" />
      <source>Create the administrator</source>
      <translation>创建管理员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="103" />
      <source>No administrator exists yet. Choose the administrator's name and a password of at least {0} characters. The administrator can correct attendance, export reports and change the settings.</source>
      <translation>尚无管理员。请设置管理员的用户名和至少 {0} 个字符的密码。管理员可以更正考勤、导出报表和修改设置。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="107" />
      <source>Create administrator</source>
      <translation>创建管理员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="109" />
      <source>Manager login</source>
      <translation>经理登录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="110" />
      <source>This needs a manager or an administrator. Enter your name and password.</source>
      <translation>此操作需要经理或管理员。请输入您的用户名和密码。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="111" />
      <source>Log in</source>
      <translation>登录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="113" />
      <source>Administrator login</source>
      <translation>管理员登录</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="114" />
      <source>This needs an administrator. Enter the administrator's password.</source>
      <translation>此操作需要管理员权限。请输入管理员密码。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="131" />
      <source>Enter a user name.</source>
      <translation>请输入用户名。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="133" />
      <source>The two passwords differ. Type the same password twice.</source>
      <translation>两次输入的密码不一致。请输入相同的密码两次。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="143" />
      <source>Too many wrong passwords. Try again in {0} seconds.</source>
      <translation>密码错误次数过多。请在 {0} 秒后重试。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="147" />
      <source>The password must have at least {0} characters.</source>
      <translation>密码至少需要 {0} 个字符。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="149" />
      <source>A user of that name exists already. Choose another name.</source>
      <translation>该用户名已存在。请换一个用户名。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="153" />
      <source>Wrong user name or password, or this user is not an administrator.</source>
      <translation>用户名或密码错误，或该用户不是管理员。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="155" />
      <source>The login could not be checked: {0}</source>
      <translation>无法验证登录：{0}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/login.py" line="161" />
      <source>You may try again now.</source>
      <translation>现在可以重试了。</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <location filename="../../faceapp/ui/assembly.py" line="70" />
      <source>Saved. Takes effect after a restart: {0}</source>
      <translation>已保存。以下设置在重启后生效：{0}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/assembly.py" line="88" />
      <source>&amp;Settings…</source>
      <translation>设置(&amp;S)…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/assembly.py" line="89" />
      <source>&amp;Lock administration</source>
      <translation>锁定管理(&amp;L)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/assembly.py" line="91" />
      <source>Front desk mode</source>
      <translation>前台模式</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/assembly.py" line="91" />
      <source>Manager: {0}</source>
      <translation>经理：{0}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/assembly.py" line="93" />
      <source>Administrator: {0}</source>
      <translation>管理员：{0}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="108" />
      <source>&amp;File</source>
      <translation>文件(&amp;F)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="109" />
      <source>Open &amp;camera…</source>
      <translation>打开摄像头(&amp;C)…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="110" />
      <source>Open video &amp;file…</source>
      <translation>打开视频文件(&amp;F)…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="111" />
      <source>Open image f&amp;older…</source>
      <translation>打开图片文件夹(&amp;O)…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="112" />
      <source>Open &amp;URL…</source>
      <translation>打开网址(&amp;U)…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="114" />
      <source>&amp;Quit</source>
      <translation>退出(&amp;Q)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="115" />
      <source>&amp;People</source>
      <translation>人员(&amp;P)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="116" />
      <source>&amp;Enrol person…</source>
      <translation>录入人员(&amp;E)…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="119" />
      <source>&amp;View</source>
      <translation>视图(&amp;V)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="121" />
      <source>&amp;Trainer (administrators)…</source>
      <translation>训练器（管理员）(&amp;T)…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="122" />
      <source>&amp;Audit log (administrators)…</source>
      <translation>审计日志（管理员）(&amp;A)…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="124" />
      <source>&amp;Help</source>
      <translation>帮助(&amp;H)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="125" />
      <source>&amp;About {}</source>
      <translation>关于 {}(&amp;A)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="217" />
      <source>Open camera</source>
      <translation>打开摄像头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="218" />
      <source>Camera number (0 is the default camera):</source>
      <translation>摄像头编号（0 为默认摄像头）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="224" />
      <source>Open video file</source>
      <translation>打开视频文件</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="225" />
      <source>Videos (*.mp4 *.avi *.mkv *.mov *.webm *.m4v *.mpg *.wmv);;All files (*)</source>
      <translation>视频 (*.mp4 *.avi *.mkv *.mov *.webm *.m4v *.mpg *.wmv);;所有文件 (*)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="231" />
      <source>Open image folder</source>
      <translation>打开图片文件夹</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="237" />
      <source>Open URL</source>
      <translation>打开网址</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="237" />
      <source>Stream address (rtsp://… or http://…):</source>
      <translation>视频流地址（rtsp://… 或 http://…）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="245" />
      <source>About {}</source>
      <translation>关于 {}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="246" />
      <source>Face-recognition attendance and access control.</source>
      <translation>人脸识别考勤与门禁。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/main_window.py" line="247" />
      <source>Runs on: {}</source>
      <translation>运行于：{}</translation>
    </message>
  </context>
  <context>
    <name>ModelsPanel</name>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="150" />
      <source>Models</source>
      <translation>模型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="153" />
      <source>Active</source>
      <translation>启用</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="153" />
      <source>Kind</source>
      <translation>类型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="153" />
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="153" />
      <source>Report</source>
      <translation>报告</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="159" />
      <source>Roll back to selected</source>
      <translation>回滚到所选模型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="160" />
      <source>Without a selection: back to the embedder the active one replaced</source>
      <translation>未选择时：回到当前特征模型所替换的那个模型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="182" />
      <source>yes</source>
      <translation>是</translation>
    </message>
  </context>
  <context>
    <name>Offline</name>
    <message>
      <location filename="../../faceapp/ui/offline_state.py" line="22" />
      <source>The database server cannot be reached: this list is shown again when it answers (recognition and check-ins go on).</source>
      <translation>无法连接数据库服务器：服务器恢复响应后将重新显示此列表（识别和签到照常进行）。</translation>
    </message>
  </context>
  <context>
    <name>OperatingPointBox</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/operating_point.py" line="36" />
      <source>The raw thresholds below are pinned.</source>
      <translation>下面的原始阈值已固定。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/operating_point.py" line="37" />
      <source>This embedder has no calibration (run faceapp eval calibrate), so the raw thresholds below apply.</source>
      <translation>此特征模型没有校准数据（请运行 faceapp eval calibrate），因此使用下面的原始阈值。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/operating_point.py" line="39" />
      <source>Their false-accept rate grows with the number of enrolled people.</source>
      <translation>其误识率会随登记人数的增加而升高。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/operating_point.py" line="43" />
      <source>at {0:,}</source>
      <translation>{0:,} 人时</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/operating_point.py" line="45" />
      <source>With {0:,} enrolled people ({1:,} templates) a face is recognised from a score of {2:.3f} (unknown below {3:.3f}); about {4:.1%} of genuine attempts reach it.</source>
      <translation>当前登记 {0:,} 人（{1:,} 个模板）：得分达到 {2:.3f} 即识别（低于 {3:.3f} 为陌生人）；约 {4:.1%} 的本人尝试能达到该分数。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/operating_point.py" line="49" />
      <source>The threshold rises as the site grows: {0}.</source>
      <translation>阈值随人数增加而升高：{0}。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/operating_point.py" line="69" />
      <source>{0:g} % of strangers taken for someone</source>
      <translation>{0:g} % 的陌生人被误认为他人</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/operating_point.py" line="70" />
      <source>Pin raw thresholds instead (expert)</source>
      <translation>改用固定的原始阈值（专家）</translation>
    </message>
  </context>
  <context>
    <name>PeoplePage</name>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="83" />
      <source>People</source>
      <translation>人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="104" />
      <source>Search name, number or department</source>
      <translation>搜索姓名、工号或部门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="124" />
      <source>Enrol person…</source>
      <translation>录入人员…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="125" />
      <source>Add photos…</source>
      <translation>添加照片…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="126" />
      <source>Edit…</source>
      <translation>编辑…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="127" />
      <source>Deactivate</source>
      <translation>停用</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="128" />
      <source>Delete…</source>
      <translation>删除…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="202" />
      <source>Activate</source>
      <translation>启用</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="235" />
      <source>Cannot save</source>
      <translation>无法保存</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="253" />
      <source>Delete person</source>
      <translation>删除人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="254" />
      <source>Delete {} and all their face data? Their attendance events stay, without a name. This cannot be undone.</source>
      <translation>删除 {} 及其全部人脸数据？其考勤记录将保留，但不再显示姓名。此操作无法撤销。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="262" />
      <source>Cannot delete</source>
      <translation>无法删除</translation>
    </message>
  </context>
  <context>
    <name>PersonDialog</name>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="45" />
      <source>Edit {}</source>
      <translation>编辑 {}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="50" />
      <source>Recognised at the desk</source>
      <translation>在考勤台被识别</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="57" />
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="58" />
      <source>Employee no.</source>
      <translation>工号</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="59" />
      <source>Department</source>
      <translation>部门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="60" />
      <source>Title</source>
      <translation>职务</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/people.py" line="61" />
      <source>Active</source>
      <translation>启用</translation>
    </message>
  </context>
  <context>
    <name>PersonForm</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="79" />
      <source>Person</source>
      <translation>人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="83" />
      <source>New person…</source>
      <translation>新建人员…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="92" />
      <source>Full name</source>
      <translation>全名</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="94" />
      <source>Enrol</source>
      <translation>录入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="95" />
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="96" />
      <source>Employee no.</source>
      <translation>工号</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/enrol.py" line="97" />
      <source>Department</source>
      <translation>部门</translation>
    </message>
  </context>
  <context>
    <name>ReportPanel</name>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="34" />
      <source>Verification accuracy</source>
      <translation>验证准确率</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="35" />
      <source>TAR at the false-accept target</source>
      <translation>目标误识率下的通过率（TAR）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="36" />
      <source>DIR at the FPIR target (open set)</source>
      <translation>目标误报率下的识别率（开集 DIR）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="37" />
      <source>Rank-1 identification</source>
      <translation>首位识别率（Rank-1）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="39" />
      <source>WIDER AP Easy</source>
      <translation>WIDER AP 简单</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="40" />
      <source>WIDER AP Medium</source>
      <translation>WIDER AP 中等</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="41" />
      <source>WIDER AP Hard</source>
      <translation>WIDER AP 困难</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="71" />
      <source>Result of the run</source>
      <translation>训练结果</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="74" />
      <source>Current model</source>
      <translation>当前模型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="74" />
      <source>Figure</source>
      <translation>指标</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="74" />
      <source>New model</source>
      <translation>新模型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="78" />
      <source>No run has finished yet.</source>
      <translation>尚无完成的训练。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="80" />
      <source>Activate</source>
      <translation>启用</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="81" />
      <source>Keep current</source>
      <translation>保留当前模型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="114" />
      <source>Public check accuracy</source>
      <translation>公开数据校验准确率</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="117" />
      <source>Better: recommended.</source>
      <translation>更好：建议启用。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="117" />
      <source>Not recommended.</source>
      <translation>不建议启用。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer_models.py" line="129" />
      <source>&lt;b&gt;{0}&lt;/b&gt; was exported. Compare it before activating (faceapp eval).</source>
      <translation>&lt;b&gt;{0}&lt;/b&gt; 已导出。启用前请先比较（faceapp eval）。</translation>
    </message>
  </context>
  <context>
    <name>RulesDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="109" />
      <source>Shifts, holidays and leave</source>
      <translation>班次、节假日与请假</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="112" />
      <source>Shifts</source>
      <translation>班次</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="113" />
      <source>Assignments</source>
      <translation>排班</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="114" />
      <source>Holidays</source>
      <translation>节假日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="115" />
      <source>Leave</source>
      <translation>请假</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="116" />
      <source>Missing punches</source>
      <translation>补卡</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="117" />
      <source>Scheduled exports</source>
      <translation>定时导出</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="134" />
      <source>Not saved</source>
      <translation>未保存</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="164" />
      <source>Days</source>
      <translation>工作日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="164" />
      <source>End</source>
      <translation>结束</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="164" />
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="164" />
      <source>Start</source>
      <translation>开始</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="165" />
      <source>Break</source>
      <translation>休息</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="165" />
      <source>Flexible</source>
      <translation>弹性</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="165" />
      <source>Grace late/early</source>
      <translation>迟到/早退宽限</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="171" />
      <source>Department</source>
      <translation>部门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="171" />
      <source>From</source>
      <translation>起始</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="171" />
      <source>Person</source>
      <translation>人员</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="171" />
      <source>Shift</source>
      <translation>班次</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="172" />
      <source>Until</source>
      <translation>截止</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="175" />
      <source>Date</source>
      <translation>日期</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="177" />
      <source>Half day</source>
      <translation>半天</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="177" />
      <source>Kind</source>
      <translation>类型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="178" />
      <source>Reason</source>
      <translation>原因</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="178" />
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="183" />
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="184" />
      <source>Requested by</source>
      <translation>申请人</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="189" />
      <source>Folder</source>
      <translation>文件夹</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="189" />
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="189" />
      <source>Last written</source>
      <translation>上次写入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="189" />
      <source>Period</source>
      <translation>周期</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="213" />
      <source>Flexible (core hours + required time)</source>
      <translation>弹性（核心时段 + 规定时长）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="217" />
      <source>Name:</source>
      <translation>姓名：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="218" />
      <source>Start / end:</source>
      <translation>开始 / 结束：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="219" />
      <source>Weekdays:</source>
      <translation>工作日：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="220" />
      <source>Grace late / early (min):</source>
      <translation>迟到 / 早退宽限（分钟）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="221" />
      <source>Break (min):</source>
      <translation>休息（分钟）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="222" />
      <source>Half day / absent below (min):</source>
      <translation>低于多少分钟算半天 / 旷工：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="223" />
      <source>Overtime from / unit (min):</source>
      <translation>加班起算 / 单位（分钟）：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="230" />
      <source>Save shift</source>
      <translation>保存班次</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="231" />
      <source>Delete shift</source>
      <translation>删除班次</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="288" />
      <source>(a whole department)</source>
      <translation>（整个部门）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="295" />
      <source>open-ended</source>
      <translation>长期有效</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="304" />
      <source>Assign</source>
      <translation>分配</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="305" />
      <source>Remove</source>
      <translation>移除</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="330" />
      <source>Holiday name</source>
      <translation>节假日名称</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="334" />
      <source>Add holiday</source>
      <translation>添加节假日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="335" />
      <source>Delete</source>
      <translation>删除</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="336" />
      <source>Import CSV or iCalendar…</source>
      <translation>导入 CSV 或 iCalendar…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="340" />
      <source>Holiday</source>
      <translation>节假日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="352" />
      <source>Import holidays</source>
      <translation>导入节假日</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="363" />
      <source>Not imported</source>
      <translation>未导入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="368" />
      <source>Some lines were not imported</source>
      <translation>部分行未导入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="382" />
      <source>half day</source>
      <translation>半天</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="388" />
      <source>Grant leave</source>
      <translation>批准请假</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="389" />
      <source>Approve</source>
      <translation>批准</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="390" />
      <source>Reject</source>
      <translation>驳回</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="414" />
      <source>Check-in</source>
      <translation>签到</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="415" />
      <source>Check-out</source>
      <translation>签退</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="417" />
      <source>Required: why is the punch missing?</source>
      <translation>必填：为什么缺卡？</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="421" />
      <source>Request</source>
      <translation>申请补卡</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="459" />
      <source>Daily (day list and exceptions)</source>
      <translation>每日（考勤明细与异常）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="460" />
      <source>Monthly (time cards, summary, punches)</source>
      <translation>每月（考勤卡、汇总、打卡记录）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="462" />
      <source>Folder, e.g. a shared drive</source>
      <translation>文件夹，例如共享盘</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="469" />
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="470" />
      <source>Add</source>
      <translation>添加</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/attendance_rules.py" line="475" />
      <source>Export folder</source>
      <translation>导出文件夹</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="85" />
      <source>Faces scoring at least this are recognised. About 1 in {0:,} comparisons with a different person reaches it, so with N enrolled people a stranger is taken for someone up to N times as often. Raise it for large sites.</source>
      <translation>得分不低于此值的人脸会被识别。与另一个人比对时，约每 {0:,} 次会有 1 次达到此值；因此若已录入 N 人，陌生人被误认为某人的概率最多为其 N 倍。人员较多的场所请调高此值。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="88" />
      <source>Faces scoring below this are unknown visitors; between the two thresholds the desk waits for another look. About 1 in {0:,} comparisons with a different person reaches it.</source>
      <translation>得分低于此值的人脸视为陌生访客；介于两个阈值之间时，考勤台会等待再看一次。与另一个人比对时，约每 {0:,} 次会有 1 次达到此值。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="167" />
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="208" />
      <source>Camera</source>
      <translation>摄像头</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="210" />
      <source>A camera number (0 is the default camera), a video file, an image folder or an rtsp:// or http:// address.</source>
      <translation>摄像头编号（0 为默认摄像头）、视频文件、图片文件夹，或 rtsp:// / http:// 地址。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="216" />
      <source>camera default</source>
      <translation>摄像头默认</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="221" />
      <source>Source:</source>
      <translation>来源：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="222" />
      <source>Camera name:</source>
      <translation>摄像头名称：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="223" />
      <source>Resolution:</source>
      <translation>分辨率：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="234" />
      <source>Recognition</source>
      <translation>识别</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="248" />
      <source>Also embed each face mirrored</source>
      <translation>同时提取每张人脸镜像的特征</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="249" />
      <source>More faces recognised at the same rate of strangers accepted; the embedding takes twice as long. Takes effect after a restart.</source>
      <translation>在相同的陌生人误接受率下识别出更多人脸；特征提取时间加倍。重启后生效。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="252" />
      <source>Automatic (GPU when available)</source>
      <translation>自动（有 GPU 时使用 GPU）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="252" />
      <source>CPU</source>
      <translation>CPU</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="253" />
      <source>NVIDIA GPU (CUDA)</source>
      <translation>NVIDIA GPU（CUDA）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="255" />
      <source>Strangers accepted:</source>
      <translation>陌生人误识率：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="256" />
      <source>Accept threshold:</source>
      <translation>接受阈值：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="258" />
      <source>Unknown threshold:</source>
      <translation>陌生阈值：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="260" />
      <source>Face detector:</source>
      <translation>人脸检测模型：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="261" />
      <source>Face embedder:</source>
      <translation>人脸特征模型：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="262" />
      <source>Mirror test:</source>
      <translation>镜像增强：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="263" />
      <source>Run on:</source>
      <translation>运行设备：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="287" />
      <source>Site and desk</source>
      <translation>站点与考勤台</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="291" />
      <source>e.g. Berlin office</source>
      <translation>例如：北京办公室</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="293" />
      <source>Shown on every event and audit entry this desk writes.</source>
      <translation>显示在本考勤台写入的每条事件和审计记录上。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="296" />
      <source>Site:</source>
      <translation>站点：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="297" />
      <source>This desk:</source>
      <translation>本考勤台：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="302" />
      <source>Front desk</source>
      <translation>考勤台</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="303" />
      <source> frames</source>
      <translation> 帧</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="305" />
      <source> s</source>
      <translation> 秒</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="306" />
      <source>Frames that must agree:</source>
      <translation>需一致的帧数：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="307" />
      <source>Out of the last:</source>
      <translation>在最近的帧数中：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="308" />
      <source>Ignore the same person again for:</source>
      <translation>同一人再次出现时忽略：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="312" />
      <source>Interface and security</source>
      <translation>界面与安全</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="316" />
      <source> min</source>
      <translation> 分钟</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="317" />
      <source>never</source>
      <translation>从不</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="318" />
      <source>Language:</source>
      <translation>语言：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="319" />
      <source>Lock the admin session after:</source>
      <translation>管理员会话自动锁定时间：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="323" />
      <source>Data</source>
      <translation>数据</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="326" />
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="331" />
      <source>Back up…</source>
      <translation>备份…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="332" />
      <source>Restore…</source>
      <translation>恢复…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="341" />
      <source>Data folder:</source>
      <translation>数据文件夹：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="400" />
      <source>The settings were not saved</source>
      <translation>设置未保存</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="411" />
      <source>Settings saved</source>
      <translation>设置已保存</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="411" />
      <source>Some changes take effect when faceapp is restarted.</source>
      <translation>部分更改将在重新启动 faceapp 后生效。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="423" />
      <source>Re-computing the face templates with {0}…</source>
      <translation>正在用 {0} 重新计算人脸模板…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="458" />
      <source>Data folder</source>
      <translation>数据文件夹</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="465" />
      <source>Back up the data</source>
      <translation>备份数据</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="466" />
      <source>Zip archives (*.zip)</source>
      <translation>Zip 压缩包 (*.zip)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="471" />
      <source>Restore a backup</source>
      <translation>恢复备份</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="482" />
      <source>The backup was not written</source>
      <translation>备份未能写入</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="485" />
      <source>Backup written</source>
      <translation>备份已完成</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="485" />
      <source>The data was saved to {0}.</source>
      <translation>数据已保存到 {0}。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="494" />
      <source>The backup cannot be restored</source>
      <translation>无法恢复此备份</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="497" />
      <source>Restore ready</source>
      <translation>恢复已就绪</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/settings.py" line="497" />
      <source>The backup is valid. Restart faceapp to replace the current data with it; the current data is kept in a folder next to it.</source>
      <translation>备份有效。请重新启动 faceapp，以用其替换当前数据；当前数据会保留在旁边的一个文件夹中。</translation>
    </message>
    <message>
      <source>Desk name:</source>
      <translation type="vanished">考勤台名称：</translation>
    </message>
  </context>
  <context>
    <name>TrainerPage</name>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="73" />
      <source>Trainer</source>
      <translation>训练器</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="96" />
      <source>Recognition: fine-tune on the enrolled gallery</source>
      <translation>识别：在已登记人脸库上微调</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="97" />
      <source>Recognition: train on a folder or RecordIO</source>
      <translation>识别：在文件夹或 RecordIO 数据上训练</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="98" />
      <source>Detection: fine-tune on a label.txt folder</source>
      <translation>检测：在 label.txt 数据上微调</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="104" />
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="109" />
      <source>Fine-tune: an LFW-format folder the new model must not do worse on. Recognition: LFW-format pairs. Detection: a WIDER-format folder.</source>
      <translation>微调：新模型在其上不得变差的 LFW 格式文件夹。识别：LFW 格式的图像对。检测：WIDER 格式文件夹。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="118" />
      <source>Automatic</source>
      <translation>自动</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="118" />
      <source>CPU</source>
      <translation>CPU</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="118" />
      <source>GPU (CUDA)</source>
      <translation>GPU（CUDA）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="120" />
      <source>Looking for a GPU…</source>
      <translation>正在查找 GPU…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="125" />
      <source>automatic</source>
      <translation>自动</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="127" />
      <source>Task</source>
      <translation>任务</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="128" />
      <source>Model</source>
      <translation>模型</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="129" />
      <source>Loss</source>
      <translation>损失函数</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="130" />
      <source>Data folder</source>
      <translation>数据文件夹</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="131" />
      <source>label.txt</source>
      <translation>label.txt</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="132" />
      <source>Check folder</source>
      <translation>校验文件夹</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="133" />
      <source>Steps</source>
      <translation>步数</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="134" />
      <source>Batch size</source>
      <translation>批大小</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="135" />
      <source>Learning rate</source>
      <translation>学习率</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="136" />
      <source>Image size</source>
      <translation>图像尺寸</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="137" />
      <source>Device</source>
      <translation>设备</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="139" />
      <source>Estimate</source>
      <translation>预计时间</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="140" />
      <source>New model name</source>
      <translation>新模型名称</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="142" />
      <source>Start</source>
      <translation>开始</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="143" />
      <source>Stop</source>
      <translation>停止</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="144" />
      <source>Resume</source>
      <translation>继续</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="151" />
      <source>Training run</source>
      <translation>训练任务</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="156" />
      <source>Run history</source>
      <translation>训练历史</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="158" />
      <source>Idle.</source>
      <translation>空闲。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="221" />
      <source>multibox (3:1 hard negatives, box, landmarks)</source>
      <translation>multibox（3:1 难负样本、边框、关键点）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="232" />
      <source>Training data folder</source>
      <translation>训练数据文件夹</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="237" />
      <source>Evaluation folder</source>
      <translation>评估文件夹</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="242" />
      <source>RetinaFace label file</source>
      <translation>RetinaFace 标注文件</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="243" />
      <source>Label files (*.txt)</source>
      <translation>标注文件 (*.txt)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="250" />
      <source>GPU: {0}, {1} GiB</source>
      <translation>GPU：{0}，{1} GiB</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="252" />
      <source>CPU: {0}</source>
      <translation>CPU：{0}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="258" />
      <source>{0} images; on the GPU much faster than on the CPU (GPU speed not measured yet)</source>
      <translation>{0} 张图像；在 GPU 上远快于 CPU（GPU 速度尚未测量）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="263" />
      <source>{0} images: about {1} min on the CPU</source>
      <translation>{0} 张图像：在 CPU 上约 {1} 分钟</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="311" />
      <source>Choose the training data folder first.</source>
      <translation>请先选择训练数据文件夹。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="322" />
      <source>Training {0}…</source>
      <translation>正在训练 {0}…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="338" />
      <source>Step {0} of {1}: loss {2:.4f}, {3:.1f} images/s, about {4} s left</source>
      <translation>第 {0}/{1} 步：损失 {2:.4f}，每秒 {3:.1f} 张图像，约剩 {4} 秒</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="356" />
      <source>Finished {0}.</source>
      <translation>{0} 已完成。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="358" />
      <source>Stopped. Resume continues from the last checkpoint.</source>
      <translation>已停止。“继续”将从最后一个检查点接着训练。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="360" />
      <source>no message</source>
      <translation>无信息</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="361" />
      <source>Training failed: {0}</source>
      <translation>训练失败：{0}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="362" />
      <source>The run failed: {0}</source>
      <translation>本次训练失败：{0}</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="405" />
      <source>Activating {0} (re-embedding the gallery)…</source>
      <translation>正在启用 {0}（重新提取人脸库特征）…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="410" />
      <source>Kept the current model; {0} stays in the list for later.</source>
      <translation>已保留当前模型；{0} 留在列表中以便以后使用。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="425" />
      <source>Rolling back…</source>
      <translation>正在回滚…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="430" />
      <source>{0} is now the active {1}.</source>
      <translation>{0} 现在是启用的{1}。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/pages/trainer.py" line="433" />
      <source>Could not switch the model: {0}</source>
      <translation>无法切换模型：{0}</translation>
    </message>
  </context>
  <context>
    <name>TrainingCharts</name>
    <message>
      <location filename="../../faceapp/ui/widgets/train_charts.py" line="42" />
      <source>Images per second</source>
      <translation>每秒图像数</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/train_charts.py" line="42" />
      <source>Learning rate</source>
      <translation>学习率</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/train_charts.py" line="42" />
      <source>Loss</source>
      <translation>损失</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/train_charts.py" line="43" />
      <source>Evaluation</source>
      <translation>评估</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/train_charts.py" line="45" />
      <source>Charts need pyqtgraph; the latest figures are shown here.</source>
      <translation>图表需要 pyqtgraph；此处显示最新数值。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/train_charts.py" line="54" />
      <source>step</source>
      <translation>步</translation>
    </message>
  </context>
  <context>
    <name>VideoView</name>
    <message>
      <location filename="../../faceapp/ui/widgets/video_view.py" line="42" />
      <source>Welcome</source>
      <translation>欢迎</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/video_view.py" line="43" />
      <source>No access: {}</source>
      <translation>禁止通行：{}</translation>
    </message>
  </context>
  <context>
    <name>VisitorDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="48" />
      <source>Register visitor</source>
      <translation>访客登记</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="59" />
      <source>(no access level)</source>
      <translation>（无门禁权限）</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="62" />
      <source>No photo yet</source>
      <translation>尚无照片</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="66" />
      <source>Photo from camera</source>
      <translation>用摄像头拍照</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="69" />
      <source>Photo from file…</source>
      <translation>从文件选择照片…</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="78" />
      <source>Name:</source>
      <translation>姓名：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="79" />
      <source>Host:</source>
      <translation>被访人：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="80" />
      <source>Purpose:</source>
      <translation>来访事由：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="81" />
      <source>Valid until:</source>
      <translation>有效至：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="82" />
      <source>Access level:</source>
      <translation>门禁权限组：</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="90" />
      <source>The visitor and their photos are deleted automatically {} days after the visit.</source>
      <translation>访客及其照片将在来访结束 {} 天后自动删除。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="95" />
      <source>Register</source>
      <translation>登记</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="120" />
      <source>The camera shows no picture yet.</source>
      <translation>摄像头还没有画面。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="125" />
      <source>Visitor's photo</source>
      <translation>访客照片</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="126" />
      <source>Photos (*.jpg *.jpeg *.png *.bmp *.webp)</source>
      <translation>照片 (*.jpg *.jpeg *.png *.bmp *.webp)</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="130" />
      <source>{} is not a photo that can be read.</source>
      <translation>{} 不是可读取的照片。</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="137" />
      <source>Take or choose a photo of the visitor first.</source>
      <translation>请先为访客拍照或选择照片。</translation>
    </message>
  </context>
  <context>
    <name>VisitorsDialog</name>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="166" />
      <source>Visitors</source>
      <translation>访客</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="170" />
      <source>Host</source>
      <translation>被访人</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="170" />
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="170" />
      <source>Purpose</source>
      <translation>来访事由</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="171" />
      <source>Valid until</source>
      <translation>有效至</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/dialogs/visitor.py" line="175" />
      <source>End visit now</source>
      <translation>立即结束来访</translation>
    </message>
  </context>
  <context>
    <name>WelcomeBanner</name>
    <message>
      <location filename="../../faceapp/ui/widgets/checkins.py" line="64" />
      <source>Look at the camera to check in</source>
      <translation>请看向摄像头签到</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/checkins.py" line="70" />
      <source>friend</source>
      <translation>朋友</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/checkins.py" line="71" />
      <source>Goodbye, {}!</source>
      <translation>再见，{}！</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/checkins.py" line="71" />
      <source>Welcome, {}!</source>
      <translation>欢迎，{}！</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/widgets/checkins.py" line="73" />
      <source>{} at {}</source>
      <translation>{}，{}</translation>
    </message>
  </context>
  <context>
    <name>faceapp</name>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="47" />
      <source>checked in</source>
      <translation>已签到</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="48" />
      <source>checked out</source>
      <translation>已签退</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="49" />
      <source>unknown visitor</source>
      <translation>陌生访客</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="50" />
      <source>not sure who</source>
      <translation>无法确定身份</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="51" />
      <source>access refused</source>
      <translation>拒绝通行</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="77" />
      <source>Someone</source>
      <translation>某人</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="133" />
      <source>similarity</source>
      <translation>相似度</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="209" />
      <source>Department</source>
      <translation>部门</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="209" />
      <source>Employee no.</source>
      <translation>工号</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="209" />
      <source>Last seen</source>
      <translation>最近出现</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="209" />
      <source>Name</source>
      <translation>姓名</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="209" />
      <source>Photos</source>
      <translation>照片</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="210" />
      <source>Active</source>
      <translation>启用</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="245" />
      <source>no</source>
      <translation>否</translation>
    </message>
    <message>
      <location filename="../../faceapp/ui/qtmodels.py" line="245" />
      <source>yes</source>
      <translation>是</translation>
    </message>
  </context>
</TS>
