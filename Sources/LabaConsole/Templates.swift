// The console's pages as Mustache templates, compiled into the binary. Every visible word comes
// from the catalogue (`t.*`); names of zones and messages are shown as configured, ids in small print.

import Mustache

enum Templates {
    /// Every template, parsed once at start.
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        try library.register(Site.coverageTemplate, named: "coverage")
        try library.register(Site.coveragePartTemplate, named: "coveragePart")
        return library
    }

    static let all: [String: String] = [
        "top": top, "bottom": bottom, "login": login, "overview": overview, "live": live, "broadcast": broadcast,
        "confirm": confirm, "stop": stop, "talk": talk, "schedule": schedule, "entry": entry, "schedule-log": scheduleLog, "record": record, "record-print": recordPrint, "recordings": recordings,
        "zones": zones, "accounts": accounts, "password": password, "buttons": buttons, "problem": problem, "entryCard": entryCard,
        "unitRow": unitRow, "unitRows": unitRows, "units": units, "unit": unit, "recordRow": recordRow, "map": map, "alerts": alerts,
    ]

    static let top = """
    <!doctype html>
    <html lang="{{lang}}">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="csrf" content="{{csrf}}">
    <title>{{title}} · {{t.webBrand}}</title>
    <link rel="stylesheet" href="/static/console.css">
    </head>
    <body>
    <header>
    <span class="brand">{{t.webBrand}}</span>
    {{#user}}
    <span>{{user}} <span class="muted" style="color:#cfe0f0">({{roleName}})</span></span>
    <a class="link" id="change-password" href="/password">{{t.webChangePassword}}</a>
    <form method="post" action="/language"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="back" value="{{path}}"><input type="hidden" name="language" value="{{otherLanguage}}"><button class="link" id="switch-language" type="submit">{{otherLanguageName}}</button></form>
    <form method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button class="link" type="submit">{{t.webLogout}}</button></form>
    {{/user}}
    </header>
    {{#user}}
    <nav>{{#nav}}<a href="{{href}}"{{#current}} class="current"{{/current}}>{{label}}</a>{{/nav}}</nav>
    {{/user}}
    <main>
    {{#flash}}<div class="flash" id="flash">{{flash}}</div>{{/flash}}
    {{#error}}<div class="error" id="error">{{error}}</div>{{/error}}
    """

    static let bottom = """
    </main>
    <script src="/static/console.js"></script>
    </body>
    </html>
    """

    static let login = """
    {{> top}}
    <div class="login card">
    <h1>{{t.webLoginTitle}}</h1>
    <form class="stack" method="post" action="/login">
    <label>{{t.webAccount}}<input type="text" name="name" autocomplete="username" autocapitalize="none" required value="{{page.name}}"></label>
    <label>{{t.webPassword}}<input type="password" name="password" autocomplete="current-password" required></label>
    <p><button type="submit" id="login">{{t.webLogin}}</button></p>
    </form>
    </div>
    {{> bottom}}
    """

    /// The overview's live part: re-rendered and sent by server-sent events on every change.
    static let live = """
    <div class="cards">
    {{#page.outputs}}
    <div class="card output" id="output-{{id}}" data-state="{{state}}">
    <h3>{{name}}</h3>
    <p class="muted">{{zoneName}}</p>
    <p><span class="state {{state}}">{{stateName}}</span></p>
    {{#playing}}
    <p>{{t.webNowPlaying}}: <strong>{{title}}</strong><br>
    <span class="muted">{{languageName}} ({{position}}/{{count}})</span></p>
    <progress max="{{count}}" value="{{position}}"></progress>
    {{#canOperate}}<form method="post" action="/broadcasts/{{id}}/cancel"><input type="hidden" name="csrf" value="{{csrf}}"><button class="stop" type="submit">{{t.webStopThis}}</button></form>{{/canOperate}}
    {{/playing}}
    {{#waiting}}<p class="muted">{{waiting}}</p>{{/waiting}}
    {{#power}}<p class="muted power">{{power}}</p>{{/power}}
    {{#powerProblem}}<p class="error power-problem">{{powerProblem}}</p>{{/powerProblem}}
    {{#monitor}}<p class="muted monitor">{{monitor}}</p>{{/monitor}}
    {{#silent}}<p class="error horn-silent">{{silent}}</p>{{/silent}}
    {{#monitorProblem}}<p class="error monitor-problem">{{monitorProblem}}</p>{{/monitorProblem}}
    {{#volume}}<p class="muted volume">{{volume}}</p>{{/volume}}
    <p class="muted">{{t.webNext}}: {{next}}</p>
    </div>
    {{/page.outputs}}
    </div>
    <h2>{{t.webRecent}}</h2>
    <table id="recent" class="cardtable">
    <tr><th>{{t.webColumnTime}}</th><th>{{t.webColumnMessage}}</th><th>{{t.webColumnOutput}}</th><th>{{t.webColumnOutcome}}</th><th>{{t.webColumnBy}}</th></tr>
    {{#page.recent}}
    <tr id="b-{{id}}" data-outcome="{{outcome}}"><td class="time" data-label="{{t.webColumnTime}}">{{time}}</td><td data-label="{{t.webColumnMessage}}">{{title}}</td><td class="output" data-label="{{t.webColumnOutput}}">{{outputName}}</td><td data-label="{{t.webColumnOutcome}}"><span class="state {{outcome}}">{{outcomeName}}</span></td><td data-label="{{t.webColumnBy}}">{{by}}</td></tr>
    {{/page.recent}}
    </table>
    """

    static let overview = """
    {{> top}}
    <h1>{{t.webOverview}}</h1>
    {{#canOperate}}{{#page.hasButtons}}<section class="one-tap" id="one-tap"><h2>{{t.webButtons}}</h2><div class="row">
    {{#page.buttons}}<form method="post" action="/broadcast" class="one-tap-button"><input type="hidden" name="csrf" value="{{csrf}}">
    {{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/fields}}
    <button type="submit" id="tap-{{id}}"{{#emergency}} class="emergency"{{/emergency}}>{{title}}</button><br><span class="muted">{{detail}}</span></form>
    {{/page.buttons}}</div></section>{{/page.hasButtons}}{{/canOperate}}
    <div id="live">{{> live}}</div>
    {{#page.units}}{{> units}}{{/page.units}}
    {{> bottom}}
    """

    /// A commander's units on the overview; rows replaced by the `units` server-sent events.
    static let units = """
    <h2>{{t.webUnits}}</h2>
    <p class="muted" id="units-summary">{{summary}}</p>
    <div class="scroll"><table id="units" class="cardtable">
    <tr><th>{{t.webColumnUnit}}</th><th>{{t.webColumnZone}}</th><th>{{t.webColumnState}}</th><th>{{t.webColumnPlaying}}</th><th>{{t.webColumnQueue}}</th><th>{{t.webColumnLastRecord}}</th><th>{{t.webColumnVersion}}</th><th>{{t.webColumnMissing}}</th><th>{{t.webColumnClock}}</th><th>{{t.webColumnGPS}}</th></tr>
    {{#rows}}{{> unitRow}}
    {{/rows}}
    {{^rows}}<tr id="no-units"><td colspan="10" class="muted">{{t.webNoUnits}}</td></tr>{{/rows}}
    </table></div>
    """

    /// One unit's row, on one line (a server-sent event's `data:` lines carry it as it is).
    static let unitRow = """
    <tr id="unit-{{id}}" data-state="{{state}}" data-missing="{{missingCount}}"><td class="name" data-label="{{t.webColumnUnit}}"><a href="/units/{{id}}">{{id}}</a></td><td data-label="{{t.webColumnZone}}">{{zones}}</td><td data-label="{{t.webColumnState}}"><span class="state {{state}}">{{stateText}}</span></td><td class="playing" data-label="{{t.webColumnPlaying}}">{{#playing}}<div>{{playingText}}{{#hasProgress}}<progress max="{{segments}}" value="{{segment}}"></progress>{{/hasProgress}}</div>{{/playing}}{{^playing}}—{{/playing}}</td><td data-label="{{t.webColumnQueue}}">{{queue}}</td><td data-label="{{t.webColumnLastRecord}}">{{lastRecord}}</td><td data-label="{{t.webColumnVersion}}">{{version}}</td><td data-label="{{t.webColumnMissing}}">{{missing}}</td><td data-label="{{t.webColumnClock}}"><span{{^clockSynced}} class="error"{{/clockSynced}}>{{clock}}</span></td><td data-label="{{t.webColumnGPS}}">{{#gps}}{{gps}}{{/gps}}{{^gps}}—{{/gps}}</td></tr>
    """

    /// The rows of the units that changed, and the count online: one `units` event.
    static let unitRows = """
    <p class="muted" id="units-summary">{{summary}}</p>
    <table><tbody>
    {{#rows}}{{> unitRow}}
    {{/rows}}
    </tbody></table>
    """

    /// A record's row (the record page, a unit's page).
    static let recordRow = """
    <tr id="r-{{id}}"><td class="time" data-label="{{t.webColumnTime}}">{{time}}</td>{{#desk}}<td class="unit" data-label="{{t.webColumnUnit}}">{{#unit}}<a href="/units/{{unit}}">{{unit}}</a>{{/unit}}{{^unit}}{{t.webThisOffice}}{{/unit}}</td>{{/desk}}<td class="output" data-label="{{t.webColumnOutput}}">{{outputName}}</td><td data-label="{{t.webColumnZone}}">{{zone}}</td><td data-label="{{t.webColumnMessage}}">{{title}}</td><td data-label="{{t.webColumnLanguages}}">{{languages}}</td><td data-label="{{t.webColumnOutcome}}"><span class="state {{outcome}}">{{outcomeName}}</span></td><td class="by" data-label="{{t.webColumnBy}}">{{by}}</td><td data-label="{{t.webColumnNote}}">{{reason}}</td></tr>
    """

    /// The map: an SVG drawn by labad, its legend, the zones it cannot draw.
    static let map = """
    {{> top}}
    <h1>{{t.webMap}}</h1>
    <form method="get" action="/map" class="row filters"><label>{{t.webMapDay}}<input type="date" name="day" value="{{page.day}}"></label><div><button type="submit">{{t.webFilter}}</button></div></form>
    {{#page.hasMap}}<div class="map card" id="map" data-by="{{page.colouring}}">{{{page.svg}}}</div>
    <p class="legend muted"><span class="swatch" style="background:#5fae6e"></span>{{t.webMapOnline}} <span class="swatch" style="background:#e0a53a"></span>{{t.webMapPartial}} <span class="swatch" style="background:#d0564c"></span>{{t.webMapOffline}} <span class="swatch" style="background:#c3cad2"></span>{{t.webMapNone}} <span class="swatch track"></span>{{t.webMapTracks}}</p>{{/page.hasMap}}
    {{^page.hasMap}}<p class="muted" id="no-map">{{t.webMapNoAreas}}</p>{{/page.hasMap}}
    {{#page.hasWithoutArea}}<h2>{{t.webMapWithoutArea}}</h2>
    <ul id="without-area">{{#page.withoutArea}}<li>{{.}}</li>{{/page.withoutArea}}</ul>{{/page.hasWithoutArea}}
    {{> bottom}}
    """

    /// The alerts received, and the form that sends one.
    static let alerts = """
    {{> top}}
    <h1>{{t.webAlerts}}</h1>
    {{#canOperate}}<div class="card" id="alert-sender" data-failed="{{t.webSaveFailed}}">
    <h2>{{t.webAlertSend}}</h2>
    <p class="row"><label>{{t.webAlertFile}} <input type="file" id="cap-file" accept=".xml,application/xml,text/xml"></label><button type="button" id="cap-send">{{t.webAlertSendButton}}</button></p>
    <div id="cap-status" class="muted"></div>
    </div>{{/canOperate}}
    {{#page.alerts}}<div class="card alert-card" id="alert-{{id}}" data-zones="{{zones}}">
    <h3>{{title}} {{#emergency}}<span class="state failed">{{t.webAlertEmergency}}</span>{{/emergency}} {{#drill}}<span class="state queued">{{t.webAlertDrill}}</span>{{/drill}}</h3>
    <p class="muted">{{time}} · {{via}}</p>
    <p><strong>{{t.webAlertAreas}}</strong>：{{areas}}</p>
    <p class="reached"><strong>{{t.webAlertZones}}</strong>：{{zones}}</p>
    {{#reason}}<p class="reason"><strong>{{t.webAlertReason}}</strong>：{{reason}}</p>{{/reason}}
    <table class="cardtable played">
    <tr><th>{{t.webColumnPlace}}</th><th>{{t.webColumnOutput}}</th><th>{{t.webColumnZone}}</th><th>{{t.webColumnOutcome}}</th></tr>
    {{#played}}<tr class="played-row" data-place="{{place}}" data-outcome="{{outcome}}"><td data-label="{{t.webColumnPlace}}">{{place}}</td><td data-label="{{t.webColumnOutput}}">{{output}}</td><td data-label="{{t.webColumnZone}}">{{zone}}</td><td data-label="{{t.webColumnOutcome}}"><span class="state {{outcome}}">{{outcomeName}}</span></td></tr>{{/played}}
    </table>
    {{#refused}}<p class="refused error">{{t.webAlertRefused}}：{{.}}</p>{{/refused}}
    {{#notes}}<p class="note muted">{{t.webAlertNote}}：{{.}}</p>{{/notes}}
    </div>{{/page.alerts}}
    {{^page.alerts}}<p class="muted" id="no-alerts">{{t.webNoAlerts}}</p>{{/page.alerts}}
    {{> bottom}}
    """

    /// A unit of the fleet: what its last status says, its loudspeakers, its latest records.
    static let unit = """
    {{> top}}
    <h1>{{title}}</h1>
    {{#page.unit}}
    <p><span class="state {{state}}" id="unit-state">{{stateText}}</span></p>
    <table id="unit-facts" class="cardtable">
    <tr><th>{{t.webColumnZone}}</th><th>{{t.webColumnLastRecord}}</th><th>{{t.webColumnVersion}}</th><th>{{t.webColumnMissing}}</th><th>{{t.webColumnClock}}</th></tr>
    <tr><td data-label="{{t.webColumnZone}}">{{zones}}</td><td data-label="{{t.webColumnLastRecord}}">{{lastRecord}}</td><td data-label="{{t.webColumnVersion}}">{{version}}</td><td data-label="{{t.webColumnMissing}}">{{missing}}</td><td data-label="{{t.webColumnClock}}">{{clock}}</td></tr>
    </table>
    <h2>{{t.webUnitLoudspeakers}}</h2>
    <table id="unit-outputs" class="cardtable">
    <tr><th>{{t.webColumnOutput}}</th><th>{{t.webColumnZone}}</th><th>{{t.webColumnState}}</th><th>{{t.webColumnPlaying}}</th><th>{{t.webColumnQueue}}</th><th>{{t.webColumnGPS}}</th></tr>
    {{#outputs}}<tr id="o-{{id}}"><td class="name" data-label="{{t.webColumnOutput}}">{{id}}</td><td data-label="{{t.webColumnZone}}">{{zoneName}}</td><td data-label="{{t.webColumnState}}"><span class="state {{state}}">{{stateName}}</span>{{#power}} <span class="muted">{{power}}</span>{{/power}}</td><td data-label="{{t.webColumnPlaying}}">{{#playingText}}{{playingText}}{{/playingText}}{{^playingText}}—{{/playingText}}</td><td data-label="{{t.webColumnQueue}}">{{queue}}</td><td data-label="{{t.webColumnGPS}}">{{#gps}}{{gps}}{{/gps}}{{^gps}}—{{/gps}}</td></tr>{{/outputs}}
    </table>
    {{/page.unit}}
    <h2>{{t.webUnitRecords}}</h2>
    <table id="record" class="cardtable">
    <tr><th>{{t.webColumnTime}}</th><th>{{t.webColumnOutput}}</th><th>{{t.webColumnZone}}</th><th>{{t.webColumnMessage}}</th><th>{{t.webColumnLanguages}}</th><th>{{t.webColumnOutcome}}</th><th>{{t.webColumnBy}}</th><th>{{t.webColumnNote}}</th></tr>
    {{#page.records}}{{> recordRow}}{{/page.records}}
    {{^page.records}}<tr><td colspan="8" class="muted">{{t.webNoBroadcasts}}</td></tr>{{/page.records}}
    </table>
    <p><a class="button secondary" id="unit-records" href="/record?unit={{page.unit.id}}">{{t.webUnitAllRecords}}</a></p>
    {{> bottom}}
    """

    static let broadcast = """
    {{> top}}
    <h1>{{t.webBroadcast}}</h1>
    <form class="stack" method="post" action="/broadcast" id="broadcast-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <fieldset><legend>{{t.webMessage}}</legend>
    <select name="message" id="message"><option value="">{{t.webChooseMessage}}</option>{{#page.messages}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/page.messages}}</select>
    </fieldset>
    <fieldset class="tree"><legend>{{t.webZones}}</legend>
    <label><input type="checkbox" name="all" value="true" id="zone-all"{{#page.all}} checked{{/page.all}}>{{t.webAllZones}}</label>
    {{#page.zones}}<label style="--depth: {{depth}}"><input type="checkbox" name="zone" value="{{id}}" id="zone-{{id}}"{{#checked}} checked{{/checked}}>{{name}}</label>{{/page.zones}}
    </fieldset>
    <fieldset><legend>{{t.webLanguages}}</legend>
    <p class="muted">{{t.webLanguagesHint}}</p>
    {{#page.languages}}<label><input type="checkbox" name="language" value="{{id}}"{{#selected}} checked{{/selected}}>{{name}}</label>{{/page.languages}}
    </fieldset>
    <fieldset><legend>{{t.webPriority}}</legend>
    <label><input type="radio" name="priority" value="manual" id="priority-manual"{{^page.emergency}} checked{{/page.emergency}}>{{t.webPriorityManual}}</label>
    <label><input type="radio" name="priority" value="emergency" id="priority-emergency"{{#page.emergency}} checked{{/page.emergency}}>{{t.webPriorityEmergency}}</label>
    </fieldset>
    <fieldset><legend>{{t.webRepeat}}</legend>
    <div class="row"><label>{{t.webRepeatTimes}}<input type="number" name="repeat" id="repeat" min="1" max="100" value="{{page.repeatCount}}"></label>
    <label><input type="checkbox" name="loop" value="true" id="loop"{{#page.loop}} checked{{/page.loop}}>{{t.webLoop}}</label>
    <label><input type="checkbox" name="force" value="true" id="force"{{#page.force}} checked{{/page.force}}>{{t.webForce}}</label></div>
    </fieldset>
    <p><button type="submit" id="send">{{t.webSend}}</button></p>
    </form>
    {{> bottom}}
    """

    /// The second, deliberate step of an emergency broadcast.
    static let confirm = """
    {{> top}}
    <h1>{{t.webConfirmTitle}}</h1>
    <div class="danger">
    <p><strong>{{page.summary}}</strong></p>
    <p>{{t.webConfirmText}}</p>
    <form method="post" action="/broadcast">
    <input type="hidden" name="csrf" value="{{csrf}}">
    {{#page.fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/page.fields}}
    <input type="hidden" name="confirmed" value="emergency">
    <p><button class="emergency" type="submit" id="confirm">{{t.webConfirmButton}}</button></p>
    </form>
    <p><a href="/broadcast">{{t.webCancel}}</a></p>
    </div>
    {{> bottom}}
    """

    static let stop = """
    {{> top}}
    <h1>{{t.webStop}}</h1>
    <form class="stack" method="post" action="/stop">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <fieldset class="tree"><legend>{{t.webZones}}</legend>
    <label><input type="checkbox" name="all" value="true">{{t.webAllZones}}</label>
    {{#page.zones}}<label style="--depth: {{depth}}"><input type="checkbox" name="zone" value="{{id}}">{{name}}</label>{{/page.zones}}
    </fieldset>
    <label><input type="checkbox" name="clear" value="true">{{t.webClearQueue}}</label>
    <p><button class="stop" type="submit" id="stop">{{t.webStopButton}}</button></p>
    </form>
    {{> bottom}}
    """

    /// The talk button: zones, priority, one button; the level, the time and how it ended (talk.js).
    static let talk = """
    {{> top}}
    <h1>{{t.webTalk}}</h1>
    <p class="muted">{{t.webTalkIntro}}</p>
    <form class="stack" id="talk-form" data-connecting="{{t.webTalkConnecting}}" data-stopping="{{t.webTalkStopping}}" data-start="{{t.webTalkStart}}" data-stop="{{t.webTalkStop}}" data-lost="{{t.webTalkLost}}" data-nomic="{{t.webTalkNoMicrophone}}" data-confirm="{{t.webTalkConfirmEmergency}}" data-choose="{{t.webChooseZone}}">
    <fieldset class="tree"><legend>{{t.webZones}}</legend>
    <label><input type="checkbox" name="all" value="true" id="zone-all">{{t.webAllZones}}</label>
    {{#page.zones}}<label style="--depth: {{depth}}"><input type="checkbox" name="zone" value="{{id}}" id="zone-{{id}}">{{name}}</label>{{/page.zones}}
    </fieldset>
    <fieldset><legend>{{t.webPriority}}</legend>
    <label><input type="radio" name="priority" value="manual" checked>{{t.webTalkPriorityManual}}</label>
    <label><input type="radio" name="priority" value="emergency" id="priority-emergency">{{t.webPriorityEmergency}}</label>
    </fieldset>
    <p><button type="button" class="talk" id="talk">{{t.webTalkStart}}</button></p>
    <div class="card talk-state" id="talk-state" hidden>
    <div class="row"><label>{{t.webTalkLevel}}<meter id="talk-level" min="0" max="1" low="0.5" high="0.9" optimum="0.3" value="0"></meter></label>
    <label>{{t.webTalkElapsed}} <output id="talk-time">0:00</output></label></div>
    </div>
    <div id="talk-status" class="muted" role="status"></div>
    </form>
    <script src="/static/talk.js"></script>
    {{> bottom}}
    """

    /// Both layers per zone (the technician's read-only), then the next 24 hours per output.
    static let schedule = """
    {{> top}}
    <h1>{{t.webSchedule}}</h1>
    <p class="row actions">{{#page.canEdit}}<a class="button" id="add-entry" href="/schedule/new">{{t.webAddEntry}}</a>{{/page.canEdit}}<a class="button secondary" id="schedule-log" href="/schedule/log">{{t.webScheduleLog}}</a></p>
    <p class="muted">{{t.webEntriesHint}}</p>
    {{#page.operatorsNote}}<p class="muted" id="operators-note">{{page.operatorsNote}}</p>{{/page.operatorsNote}}
    <h2>{{t.webEntries}}</h2>
    {{#page.zones}}
    <section class="zone-entries" id="zone-{{id}}" style="--depth: {{depth}}">
    <h3>{{name}}</h3>
    {{#entries}}{{> entryCard}}{{/entries}}
    {{^entries}}<p class="muted">{{t.webNoEntries}}</p>{{/entries}}
    </section>
    {{/page.zones}}
    {{#page.hasGone}}<h3>{{t.webZoneGone}}</h3>{{/page.hasGone}}
    {{#page.gone}}{{> entryCard}}{{/page.gone}}
    <h2>{{t.webUpcoming}}</h2>
    <p class="muted">{{t.webScheduleHint}}</p>
    {{#page.outputs}}
    <h3>{{name}} <span class="muted">· {{zoneName}}</span></h3>
    <div class="scroll"><table class="upcoming" id="upcoming-{{id}}">
    <tr><th>{{t.webColumnTime}}</th><th>{{t.webColumnMessage}}</th><th>{{t.webColumnLanguages}}</th><th>{{t.webColumnNote}}</th></tr>
    {{#items}}<tr><td>{{time}}</td><td>{{title}}</td><td>{{languages}}{{#volume}} <span class="id">{{volume}}</span>{{/volume}}</td><td>{{#skipped}}<span class="state failed">{{t.webSkipped}}</span> {{skipped}}{{/skipped}}</td></tr>{{/items}}
    {{^items}}<tr><td colspan="4" class="muted">{{t.webNothingScheduled}}</td></tr>{{/items}}
    </table></div>
    {{/page.outputs}}
    {{> bottom}}
    """

    /// One entry of either layer: when in words, the expression, whose it is; buttons for the operators'.
    static let entryCard = """
    <div class="card entry" data-entry="{{id}}" data-origin="{{origin}}" data-state="{{state}}">
    <p><strong class="words">{{words}}</strong> · {{title}} <span class="state {{state}}">{{stateName}}</span></p>
    <details class="technician"><summary>{{t.webTechnicianDetail}}</summary><p class="muted"><code class="expression">{{expression}}</code> · <span class="id">{{id}}</span> · <span class="id">{{message}}</span></p></details>
    <p class="muted note">{{note}}</p>
    {{#warning}}<p class="error warning">{{warning}}</p>{{/warning}}
    {{#operable}}<div class="row buttons">
    <a class="button secondary" href="/schedule/entries/{{id}}/edit">{{t.webChange}}</a>
    {{^paused}}<form method="post" action="/schedule/entries/{{id}}/pause"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="base_version" value="{{page.version}}"><button class="secondary" type="submit" name="pause">{{t.webPause}}</button></form>{{/paused}}
    {{#paused}}<form method="post" action="/schedule/entries/{{id}}/resume"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="base_version" value="{{page.version}}"><button type="submit" name="resume">{{t.webResume}}</button></form>{{/paused}}
    <form method="post" action="/schedule/entries/{{id}}/remove" data-confirm="{{t.webConfirmRemoveEntry}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="base_version" value="{{page.version}}"><button class="stop" type="submit" name="remove">{{t.webRemove}}</button></form>
    </div>{{/operable}}
    </div>
    """

    /// An operators' entry: message, zone, a time preset that builds the expression, the preview, save.
    static let entry = """
    {{> top}}
    <h1>{{title}}{{#page.entry}} <span class="id">{{.}}</span>{{/page.entry}}</h1>
    {{#page.operatorsNote}}<p class="muted" id="operators-note">{{page.operatorsNote}}</p>{{/page.operatorsNote}}
    <form class="stack" method="post" action="/schedule/preview" id="entry-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="base_version" value="{{page.baseVersion}}">
    {{#page.entry}}<input type="hidden" name="entry" value="{{.}}">{{/page.entry}}
    <fieldset><legend>{{t.webMessage}}</legend>
    <select name="message" id="entry-message"><option value="">{{t.webChooseMessage}}</option>{{#page.messages}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/page.messages}}</select>
    </fieldset>
    <fieldset><legend>{{t.webColumnZone}}</legend>
    <select name="zone" id="entry-zone"><option value="">{{t.webChooseOneZone}}</option>{{#page.zones}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/page.zones}}</select>
    <p class="muted">{{t.webZoneBelowHint}}</p>
    </fieldset>
    <fieldset id="when"><legend>{{t.webWhen}}</legend>
    <div class="presets">{{#page.presets}}<label><input type="radio" name="preset" value="{{id}}" id="preset-{{id}}"{{#checked}} checked{{/checked}}>{{name}}</label>{{/page.presets}}</div>
    <div class="row">
    <label data-for="daily weekdays every once">{{t.webAtTime}}<input type="time" name="time" id="entry-time" value="{{page.form.time}}"></label>
    <label data-for="every">{{t.webEveryDays}}<input type="number" name="days" id="entry-days" min="1" max="365" value="{{page.form.days}}"></label>
    <label data-for="every">{{t.webFromDate}}<input type="date" name="from" id="entry-from" value="{{page.form.from}}"></label>
    <label data-for="once">{{t.webOnDate}}<input type="date" name="date" id="entry-date" value="{{page.form.date}}"></label>
    <label data-for="times">{{t.webTimesList}}<input type="text" name="times" id="entry-times" inputmode="numeric" value="{{page.form.times}}"></label>
    <label data-for="custom">{{t.webExpression}}<input type="text" name="expression" id="entry-expression" autocapitalize="none" value="{{page.form.expression}}"></label>
    <label data-for="daily weekdays every times custom">{{t.webUntilDate}}<input type="date" name="until" id="entry-until" value="{{page.form.until}}"></label>
    <label>{{t.webEntryRepeat}}<input type="number" name="repeat" id="entry-repeat" min="1" max="100" value="{{page.form.repeatCount}}"></label>
    </div>
    <p class="expression-line">{{t.webExpressionShown}}: <code id="expression">{{page.expression}}</code></p>
    <p class="muted">{{t.webCommandLine}}: <code id="command">{{page.command}}</code></p>
    </fieldset>
    <p class="row"><button type="submit" id="preview" class="{{#page.preview}}secondary{{/page.preview}}">{{t.webPreview}}</button></p>
    </form>
    {{#page.preview}}
    <section class="card" id="preview-result">
    <h2>{{t.webPreviewTitle}}</h2>
    <h3>{{t.webNextTimes}}</h3>
    <ol id="next-times">{{#next}}<li>{{.}}</li>{{/next}}</ol>
    {{^next}}<p class="error">{{t.webNeverPlays}}</p>{{/next}}
    <h3>{{t.webNext24}}</h3>
    <p id="plan-summary">{{summary}}</p>
    {{#hasLines}}<div class="scroll"><table id="plan-diff">
    <tr><th></th><th>{{t.webColumnTime}}</th><th>{{t.webColumnOutput}}</th><th>{{t.webColumnZone}}</th><th>{{t.webColumnMessage}}</th></tr>
    {{#lines}}<tr data-kind="{{kind}}"><td><span class="state {{kind}}">{{kindName}}</span></td><td>{{time}}</td><td>{{output}}</td><td>{{zoneName}}</td><td>{{title}}</td></tr>{{/lines}}
    </table></div>{{/hasLines}}
    {{#warnings}}<p class="error">{{.}}</p>{{/warnings}}
    {{#canSave}}<p class="row"><button type="submit" form="entry-form" formaction="/schedule/save" id="save" data-stale="{{t.webPreviewAgain}}">{{t.webSave}}</button></p>{{/canSave}}
    {{^canSave}}<p class="muted" id="no-save">{{t.webNeverPlaysNoSave}}</p>{{/canSave}}
    </section>
    {{/page.preview}}
    <p><a href="/schedule">{{t.webCancel}}</a></p>
    {{> bottom}}
    """

    static let scheduleLog = """
    {{> top}}
    <h1>{{t.webScheduleLog}}</h1>
    <p class="row actions"><a class="button secondary" href="/schedule">{{t.webSchedule}}</a><a class="button secondary" id="log-csv" href="/schedule/log.csv">{{t.webDownloadCSV}}</a><a class="button secondary" id="log-xlsx" href="/schedule/log.xlsx">{{t.webDownloadXlsx}}</a></p>
    <div class="scroll"><table id="changes">
    <tr><th>{{t.webColumnTime}}</th><th>{{t.webColumnBy}}</th><th>{{t.webColumnAction}}</th><th>{{t.webColumnEntry}}</th><th>{{t.webColumnBefore}}</th><th>{{t.webColumnAfter}}</th></tr>
    {{#page.rows}}<tr id="change-{{id}}" data-action="{{action}}"><td>{{time}}</td><td class="who">{{who}} <span class="muted via">{{via}}</span></td><td class="action">{{actionName}}</td><td class="id">{{entry}}</td><td>{{before}}</td><td>{{after}}</td></tr>{{/page.rows}}
    {{^page.rows}}<tr><td colspan="6" class="muted">{{t.webNoChanges}}</td></tr>{{/page.rows}}
    </table></div>
    {{> bottom}}
    """

    static let record = """
    {{> top}}
    <h1>{{t.webRecord}}</h1>
    <form method="get" action="/record" class="row filters">
    <label>{{t.webColumnZone}}<select name="zone"><option value="">{{t.webAny}}</option>{{#page.zones}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/page.zones}}</select></label>
    <label>{{t.webColumnMessage}}<select name="message"><option value="">{{t.webAny}}</option>{{#page.messages}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/page.messages}}</select></label>
    <label>{{t.webColumnOutput}}<select name="output"><option value="">{{t.webAny}}</option>{{#page.outputs}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/page.outputs}}</select></label>
    <label>{{t.webColumnOutcome}}<select name="outcome"><option value="">{{t.webAny}}</option>{{#page.outcomes}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/page.outcomes}}</select></label>
    {{#page.desk}}<label>{{t.webColumnUnit}}<select name="unit" id="unit-filter"><option value="">{{t.webAny}}</option>{{#page.units}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/page.units}}</select></label>{{/page.desk}}
    <label>{{t.webSince}}<input type="date" name="since" value="{{page.since}}"></label>
    <label>{{t.webUntil}}<input type="date" name="until" value="{{page.until}}"></label>
    <div><button type="submit">{{t.webFilter}}</button> <a class="button secondary" id="csv" href="/record.csv?{{page.query}}">{{t.webDownloadCSV}}</a> <a class="button secondary" id="xlsx" href="/record.xlsx?{{page.query}}">{{t.webDownloadXlsx}}</a> <a class="button secondary" id="print" href="/record/print">{{t.webPrintView}}</a></div>
    </form>
    <table id="record" class="cardtable">
    <tr><th>{{t.webColumnTime}}</th>{{#page.desk}}<th>{{t.webColumnUnit}}</th>{{/page.desk}}<th>{{t.webColumnOutput}}</th><th>{{t.webColumnZone}}</th><th>{{t.webColumnMessage}}</th><th>{{t.webColumnLanguages}}</th><th>{{t.webColumnOutcome}}</th><th>{{t.webColumnBy}}</th><th>{{t.webColumnNote}}</th></tr>
    {{#page.rows}}{{> recordRow}}{{/page.rows}}
    {{^page.rows}}<tr><td colspan="9" class="muted">{{t.webNoBroadcasts}}</td></tr>{{/page.rows}}
    </table>
    <p class="row actions">{{#page.paged}}<a class="button secondary" id="newest" href="/record?{{page.query}}">{{t.webNewest}}</a>{{/page.paged}}{{#page.older}}<a class="button secondary" id="older" href="/record?{{page.older}}">{{t.webOlder}}</a>{{/page.older}}</p>
    {{> bottom}}
    """

    /// The record of a day or a month on A4: the office's name, a table, the page number at the foot
    /// of every page (CSS paged media); the choice of period is not printed.
    static let recordPrint = """
    <!doctype html>
    <html lang="{{lang}}">
    <head>
    <meta charset="utf-8">
    <title>{{title}}</title>
    <style>
    @page { size: A4; margin: 16mm 14mm 18mm 14mm; @bottom-center { content: {{{page.pageCounter}}}; font-size: 9pt; } }
    body { font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; font-size: 10.5pt; color: #000; margin: 0 auto; max-width: 182mm; }
    h1 { font-size: 16pt; text-align: center; margin: 0 0 2mm; }
    .office { text-align: center; font-size: 12pt; margin: 0 0 4mm; }
    table { width: 100%; border-collapse: collapse; }
    thead { display: table-header-group; }
    tr { break-inside: avoid; }
    th, td { border: 0.5pt solid #444; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
    th { background: #eee; }
    td.n { text-align: right; }
    .summary, .printed { margin-top: 3mm; }
    .printed { font-size: 9pt; color: #333; }
    .choose { margin: 4mm 0; padding: 3mm; border: 1px solid #ccc; }
    @media print { .choose { display: none; } }
    </style>
    </head>
    <body>
    <form class="choose" method="get" action="/record/print">
    <p>{{t.webPrintPeriodHint}}</p>
    <label>{{t.webPrintDay}} <input type="date" name="day" value="{{page.day}}"></label> <button type="submit" id="show-day">{{t.webPrintShow}}</button>
    </form>
    <form class="choose" method="get" action="/record/print">
    <label>{{t.webPrintMonth}} <input type="month" name="month" value="{{page.month}}"></label> <button type="submit" id="show-month">{{t.webPrintShow}}</button>
    <button type="button" id="print-now">{{t.webPrintNow}}</button> <a href="/record">{{t.webRecord}}</a>
    </form>
    <p class="office" id="office">{{page.office}}</p>
    <h1 id="heading">{{page.heading}}</h1>
    <table id="print-record">
    <thead><tr><th>{{t.webColumnTime}}</th><th>{{t.webColumnOutput}}</th><th>{{t.webColumnZone}}</th><th>{{t.webColumnMessage}}</th><th>{{t.webColumnLanguages}}</th><th>{{t.webColumnOutcome}}</th><th>{{t.columnDuration}}</th><th>{{t.webColumnBy}}</th></tr></thead>
    <tbody>
    {{#page.rows}}<tr><td>{{time}}</td><td>{{output}}</td><td>{{zone}}</td><td>{{title}}</td><td>{{languages}}</td><td>{{outcomeName}}</td><td class="n">{{seconds}}</td><td>{{by}}</td></tr>{{/page.rows}}
    {{^page.rows}}<tr><td colspan="8">{{t.webNoBroadcasts}}</td></tr>{{/page.rows}}
    </tbody>
    </table>
    <p class="summary" id="summary">{{page.summary}}</p>
    <p class="printed">{{page.printed}}</p>
    <script src="/static/console.js"></script>
    </body>
    </html>
    """

    static let recordings = """
    {{> top}}
    <h1>{{t.webRecordings}}</h1>
    <table id="coverage" class="cardtable">
    <tr><th>{{t.webColumnMessage}}</th>{{#page.languages}}<th>{{name}}</th>{{/page.languages}}</tr>
    {{#page.rows}}<tr><td class="name">{{title}}</td>{{#cells}}{{#present}}<td id="cell-{{message}}-{{language}}" data-label="{{languageName}}"><a class="play" href="/recordings/{{message}}/{{language}}" title="{{t.webPlay}}">▶</a></td>{{/present}}{{^present}}<td class="missing" id="cell-{{message}}-{{language}}" data-label="{{languageName}}">—</td>{{/present}}{{/cells}}</tr>{{/page.rows}}
    </table>
    {{#page.desk}}<h2>{{t.webSpread}}</h2>
    <table id="spread" class="cardtable">
    <tr><th>{{t.webColumnMessage}}</th><th>{{t.webLanguage}}</th><th>{{t.webColumnHeld}}</th><th>{{t.webColumnRefused}}</th><th>{{t.webColumnMissingUnits}}</th></tr>
    {{#page.spread}}<tr id="spread-{{id}}" data-held="{{held}}" data-missing="{{missingCount}}"><td class="name" data-label="{{t.webColumnMessage}}">{{title}}</td><td data-label="{{t.webLanguage}}">{{languageName}}</td><td class="held" data-label="{{t.webColumnHeld}}">{{heldText}} <span class="muted">{{holders}}</span></td><td class="refused" data-label="{{t.webColumnRefused}}">{{#refused}}<div>{{.}}</div>{{/refused}}{{^refused}}—{{/refused}}</td><td class="missing-units" data-label="{{t.webColumnMissingUnits}}">{{missing}}</td></tr>{{/page.spread}}
    {{^page.spread}}<tr><td colspan="5" class="muted">{{t.webNoSpread}}</td></tr>{{/page.spread}}
    </table>{{/page.desk}}
    {{#canOperate}}
    <h2>{{t.webAddRecording}}</h2>
    <div class="card" id="recorder" data-saving="{{t.webSaving}}" data-failed="{{t.webSaveFailed}}" data-recording="{{t.webRecording}}" data-recorded="{{t.webRecorded}}" data-denied="{{t.webMicDenied}}" data-insecure="{{t.webMicInsecure}}">
    <div class="row">
    <label>{{t.webRecordingTitle}}<input type="text" id="rec-message" list="message-titles" maxlength="64" placeholder="{{t.webRecordingTitleHint}}"></label>
    <datalist id="message-titles">{{#page.titles}}<option value="{{.}}"></option>{{/page.titles}}</datalist>
    <label>{{t.webLanguage}}<select id="rec-language">{{#page.languages}}<option value="{{id}}">{{name}}</option>{{/page.languages}}</select></label>
    </div>
    <p class="muted">{{t.webRecordHint}}</p>
    <p class="row"><button type="button" id="rec-start">{{t.webRecordStart}}</button><button type="button" class="secondary" id="rec-stop" disabled>{{t.webRecordStop}}</button><button type="button" id="rec-save" disabled>{{t.webRecordSave}}</button></p>
    <audio id="rec-preview" controls hidden></audio>
    <p><label>{{t.webUploadFile}} <input type="file" id="upload-file" accept="audio/*,.m4a,.aac,.amr"></label></p>
    <div id="rec-review" class="card" hidden>
    <p><strong>{{t.webRecordingReview}}</strong> <span id="rec-review-length" class="muted"></span></p>
    <audio id="rec-review-player" controls preload="auto"></audio>
    <p id="rec-review-replaces"></p>
    <p class="row"><button type="button" id="rec-confirm">{{t.webRecordingConfirm}}</button><button type="button" class="secondary" id="rec-discard">{{t.webRecordingDiscard}}</button></p>
    </div>
    <div id="rec-status" class="muted"></div>
    </div>
    {{/canOperate}}
    {{> bottom}}
    """

    static let zones = """
    {{> top}}
    <h1>{{t.webZonesPage}}</h1>
    <h2>{{t.webOutputs}}</h2>
    <div class="cards">
    {{#page.outputs}}
    <div class="card" id="card-{{id}}"><h3>{{name}}</h3><p>{{zoneName}}</p>
    {{#device}}<p class="muted technician">{{t.webTechnicianDetail}}: <span class="id">{{id}} · {{.}}</span></p>{{/device}}
    {{#canOperate}}{{#movable}}<form method="post" action="/zones/move" class="row"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="output" value="{{id}}">
    <label>{{t.webMoveTo}}<select name="zone" id="move-{{id}}">{{#choices}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/choices}}</select></label>
    <div><button type="submit" id="move-button-{{id}}">{{t.webMove}}</button></div></form>{{/movable}}{{/canOperate}}
    {{#volume}}<p class="volume" id="volume-now-{{id}}">{{volume.now}}</p>
    {{#canOperate}}{{#volume.settable}}<form method="post" action="/zones/volume" class="row"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="output" value="{{id}}">
    <label>{{t.webVolume}}<input type="number" name="volume_db" id="volume-{{id}}" min="{{volume.lower}}" max="{{volume.upper}}" step="1" value="{{volume.value}}"> dB</label>
    <div><button type="submit" id="volume-button-{{id}}">{{t.webVolumeSet}}</button></div></form>
    <p class="muted">{{volume.hint}}</p>{{/volume.settable}}{{/canOperate}}{{/volume}}
    </div>
    {{/page.outputs}}
    </div>
    <h2>{{t.webZoneTree}}</h2>
    <ul class="card zone-tree" id="zone-tree">{{#page.zones}}<li style="--depth: {{depth}}" data-zone="{{id}}"><span class="zone-name">{{name}}</span>{{#outputs}} <span class="speaker">{{.}}</span>{{/outputs}}</li>{{/page.zones}}</ul>
    {{> bottom}}
    """

    static let accounts = """
    {{> top}}
    <h1>{{t.webAccounts}}</h1>
    <div class="scroll"><table>
    <tr><th>{{t.webAccount}}</th><th>{{t.webRole}}</th><th>{{t.webAccountZones}}</th><th></th></tr>
    {{#page.accounts}}<tr><td>{{name}}</td><td>{{roleName}}</td><td>{{zonesText}}{{#limitable}}<details><summary>{{t.webAccountZonesSave}}</summary>
    <form class="stack" method="post" action="/accounts/zones"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}">
    <select name="zones_mode">{{#modes}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/modes}}</select>
    <div class="tree">{{#zones}}<label style="--depth: {{depth}}"><input type="checkbox" name="zone" value="{{id}}"{{#checked}} checked{{/checked}}>{{name}}</label>{{/zones}}</div>
    <p><button type="submit">{{t.webAccountZonesSave}}</button></p></form></details>{{/limitable}}</td>
    <td><details class="reset-password"><summary>{{t.webResetPassword}}</summary>
    <form class="stack" method="post" action="/accounts/password"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}">
    <label>{{t.webNewPassword}}<input type="password" name="password" required minlength="8" autocomplete="new-password"></label>
    <p><button type="submit">{{t.webResetPassword}}</button></p></form></details>
    <form method="post" action="/accounts/remove" data-confirm="{{t.webConfirmRemoveAccount}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="name" value="{{name}}"><button class="stop" type="submit">{{t.webRemove}}</button></form></td></tr>{{/page.accounts}}
    </table></div>
    <h2>{{t.webAddAccount}}</h2>
    <form class="stack card" method="post" action="/accounts/add">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{t.webAccount}}<input type="text" name="name" required autocapitalize="none"></label>
    <label>{{t.webPassword}}<input type="password" name="password" required minlength="8" autocomplete="new-password"></label>
    <label>{{t.webRole}}<select name="role">{{#page.roles}}<option value="{{id}}">{{name}}</option>{{/page.roles}}</select></label>
    <fieldset><legend>{{t.webAccountZones}}</legend>
    <select name="zones_mode">{{#page.modes}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/page.modes}}</select>
    <div class="tree">{{#page.zones}}<label style="--depth: {{depth}}"><input type="checkbox" name="zone" value="{{id}}">{{name}}</label>{{/page.zones}}</div>
    </fieldset>
    <p><button type="submit">{{t.webAddAccount}}</button></p>
    </form>
    {{> bottom}}
    """

    /// The one-tap buttons (admins): each with what it does, and a form for a new one.
    static let buttons = """
    {{> top}}
    <h1>{{t.webButtons}}</h1>
    <p class="muted">{{t.webButtonsHint}}</p>
    <div class="scroll"><table id="buttons">
    <tr><th>{{t.webButtonTitle}}</th><th>{{t.webButtonDoes}}</th><th></th></tr>
    {{#page.buttons}}<tr data-button="{{id}}"><td>{{title}}</td><td>{{detail}}</td>
    <td><form method="post" action="/buttons/remove" data-confirm="{{t.webConfirmRemoveButton}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}"><button class="stop" type="submit">{{t.webRemove}}</button></form></td></tr>{{/page.buttons}}
    </table></div>
    <h2>{{t.webAddButton}}</h2>
    <form class="stack card" method="post" action="/buttons/add" id="button-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{t.webButtonTitle}}<input type="text" name="title" id="button-title" required maxlength="64" placeholder="{{t.webButtonTitleHint}}"></label>
    <fieldset><legend>{{t.webMessage}}</legend>
    <select name="message" id="message"><option value="">{{t.webChooseMessage}}</option>{{#page.form.messages}}<option value="{{id}}">{{title}}</option>{{/page.form.messages}}</select>
    </fieldset>
    <fieldset class="tree"><legend>{{t.webZones}}</legend>
    <label><input type="checkbox" name="all" value="true" id="zone-all">{{t.webAllZones}}</label>
    {{#page.form.zones}}<label style="--depth: {{depth}}"><input type="checkbox" name="zone" value="{{id}}" id="zone-{{id}}">{{name}}</label>{{/page.form.zones}}
    </fieldset>
    <fieldset><legend>{{t.webPriority}}</legend>
    <label><input type="radio" name="priority" value="manual" id="priority-manual" checked>{{t.webPriorityManual}}</label>
    <label><input type="radio" name="priority" value="emergency" id="priority-emergency">{{t.webPriorityEmergency}}</label>
    </fieldset>
    <label>{{t.webRepeatTimes}}<input type="number" name="repeat" id="repeat" min="1" max="100" value="1"></label>
    <p><button type="submit" id="add-button">{{t.webAddButton}}</button></p>
    </form>
    {{> bottom}}
    """

    /// One's own password: the current one, the new one twice.
    static let password = """
    {{> top}}
    <h1>{{t.webChangePassword}}</h1>
    <form class="stack card" method="post" action="/password" id="password-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label>{{t.webOldPassword}}<input type="password" name="old" id="old-password" required autocomplete="current-password"></label>
    <label>{{t.webNewPassword}}<input type="password" name="new" id="new-password" required minlength="8" autocomplete="new-password"></label>
    <label>{{t.webNewPasswordAgain}}<input type="password" name="again" id="new-password-again" required minlength="8" autocomplete="new-password"></label>
    <p class="muted">{{t.webPasswordSessionsEnd}}</p>
    <p><button type="submit" id="change">{{t.webChangePassword}}</button></p>
    </form>
    {{> bottom}}
    """

    static let problem = """
    {{> top}}
    <h1>{{title}}</h1>
    <p><a href="/">{{t.webOverview}}</a></p>
    {{> bottom}}
    """
}
