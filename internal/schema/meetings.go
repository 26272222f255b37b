package schema

// Meeting measurements: imported exports and the Graph pull write one
// point per platform (or report) per UTC day at 00:00 UTC; no per-user or
// per-meeting identifier is ever a tag or a field.
const (
	Meetings          = "meetings"
	TeamsMeetingTypes = "teams_meeting_types"
	TeamsClients      = "teams_clients"
	MeetingsMonthly   = "meetings_monthly"
	MeetingsYearly    = "meetings_yearly"
	CallRecordsDaily  = "call_records_daily"
)

func init() {
	count := func(name, doc string) Field { return Field{name, Integer, "", doc} }
	secs := func(name string) Field { return Field{name, Integer, "s", ""} }
	source := Field{"source", String, "", "the import format, or `graph`"}
	platform := []Field{{Name: "platform", Doc: "`teams`, `skype`, `zoom`, `webex`, …"}}
	register(
		Measurement{Name: Meetings, Area: AreaMeetings, Time: "00:00 UTC of the day", Doc: "one point per platform and day; a day written twice is overwritten",
			Tags: platform,
			Fields: []Field{
				count("meetings", ""), source,
				count("meetings_organized", ""), count("meetings_attended", ""), count("calls", ""),
				secs("audio_s"), secs("video_s"), secs("screenshare_s"),
				{"minutes", Integer, "min", "meeting minutes"}, count("participants", ""), count("new_users", ""),
				count("team_chat_messages", ""), count("private_chat_messages", ""), count("post_messages", ""),
				count("reply_messages", ""), count("urgent_messages", ""),
				count("conf_audio_video", "Skype for Business conferences by type"), count("conf_im", ""), count("conf_app_sharing", ""),
				count("conf_web", ""), count("conf_dial_in_out_3rd_party", ""), count("conf_dial_in_out_microsoft", ""),
				count("part_audio_video", "Skype for Business participants by type"), count("part_im", ""), count("part_app_sharing", ""),
				count("part_web", ""), count("part_dial_in_out_3rd_party", ""),
				count("p2p_audio", "Skype for Business peer-to-peer sessions by type"), count("p2p_video", ""), count("p2p_im", ""),
				count("p2p_app_sharing", ""), count("p2p_file_transfer", ""),
			}},
		Measurement{Name: TeamsMeetingTypes, Area: AreaMeetings, Time: "00:00 UTC of the day", Doc: "Teams user-detail reports aggregated per day",
			Tags: []Field{{Name: "report_period", Doc: "days the report covers (1 for a per-date report)"}},
			Fields: []Field{
				count("users", ""), count("users_with_meetings", ""), count("licensed_users", ""), count("deleted_users", ""),
				count("meetings", ""), count("meetings_organized", ""), count("meetings_attended", ""),
				count("adhoc_organized", ""), count("adhoc_attended", ""),
				count("scheduled_onetime_organized", ""), count("scheduled_onetime_attended", ""),
				count("scheduled_recurring_organized", ""), count("scheduled_recurring_attended", ""),
				count("unclassified_organized", "organized, neither ad hoc nor scheduled"),
				count("calls", ""), count("team_chat_messages", ""), count("private_chat_messages", ""),
				secs("audio_s"), secs("video_s"), secs("screenshare_s"), source,
			}},
		Measurement{Name: TeamsClients, Area: AreaMeetings, Time: "00:00 UTC of the day", Doc: "daily unique Teams users per client",
			Fields: []Field{
				count("web", ""), count("windows", ""), count("mac", ""), count("linux", ""), count("chrome_os", ""),
				count("ios", ""), count("android_phone", ""), count("windows_phone", ""),
			},
			MoreFields: "a count for each further client column of the export, named in snake case"},
		Measurement{Name: MeetingsMonthly, Area: AreaMeetings, Time: "the 1st of the month", Doc: "rollup of `meetings`",
			Tags: platform,
			Fields: []Field{
				count("meetings", ""), count("days", "days with data"),
				{"growth_pct", Float, "%", "against the month before"}, {"growth_yoy_pct", Float, "%", "against the same month a year before"},
			}},
		Measurement{Name: MeetingsYearly, Area: AreaMeetings, Time: "1 January", Doc: "rollup of `meetings`",
			Tags: platform,
			Fields: []Field{
				count("meetings", ""), count("days", "days with data"), {"growth_pct", Float, "%", "against the year before"},
			}},
		Measurement{Name: CallRecordsDaily, Area: AreaGraph, Time: "00:00 UTC of the day", Doc: "Graph call records aggregated per day; every pull rewrites the days it covers",
			Tags: []Field{{Name: "platform", Doc: "`teams`"}},
			Fields: []Field{
				count("records", "distinct call records that started that UTC day, of every type"),
				count("group_meetings", "`groupCall` records"),
				{"group_meeting_minutes", Float, "min", "sum of end − start"},
				count("group_meetings_video", ""), count("group_meetings_screenshare", ""),
				{"share_video_or_screenshare", Float, "0–1", "group meetings with video or screen sharing / group meetings"},
				count("peer_to_peer_calls", "`peerToPeer` records"),
				{"peer_to_peer_minutes", Float, "min", ""},
				count("unknown_calls", "records of type `unknown` or `unknownFutureValue`, in no meeting or call figure"),
				{"unknown_minutes", Float, "min", ""},
				count("participants", "`participants_v2` entries summed over the group meetings whose list was read; no identity is stored, a person in two meetings counts twice"),
				count("participants_meetings", "how many group meetings `participants` covers; both absent when none was read: unknown, never 0"),
				{"listed_at", Integer, "unix s", "when the listing of the day started; the pull's checkpoint"},
				{"source", String, "", "`graph`"},
			}},
	)
}
