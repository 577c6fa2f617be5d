# Cookies vs sessions: English (the reference; every other language has exactly these messages).
# Messages may hold a little HTML (their ids are used by the tests and by static/inspector.js);
# arguments are escaped before they are put in.

## Every page

site-name = Cookies vs sessions
nav-label = Main
nav-cookie = Client cookies
nav-session = Server sessions
language-switch-label = Language
footer = The visit counter of the Tango with Django “Cookies and Sessions” chapter and of MDN’s LocalLibrary, done twice in Rust.
visits-label = Visits:
# A length of time, $count of $unit (day, hour, minute, second).
duration = { $unit ->
    [day] { $count ->
        [one] { $count } day
       *[other] { $count } days
    }
    [hour] { $count ->
        [one] { $count } hour
       *[other] { $count } hours
    }
    [minute] { $count ->
        [one] { $count } minute
       *[other] { $count } minutes
    }
   *[second] { $count ->
        [one] { $count } second
       *[other] { $count } seconds
    }
}

## Errors

error-home-link = Home
error-render = The page could not be rendered.
error-not-found-title = Page not found
error-not-found-message = There is no page at this address.
error-post-only-title = Method not allowed
error-post-only-message = This address takes the POST of its form only.
error-cross-origin-title = Refused: another site sent this
error-cross-origin-message = This form can only be sent from this site's own pages.
error-too-many-cookies-title = Too many cookies
error-too-many-cookies-message = Your browser sent more cookies than this site accepts. Clear this site's cookies and try again.
error-too-large-title = Request too large
error-too-large-message = This site's forms send a click and little else.
error-session-conflict-title = Your session changed meanwhile
error-session-conflict-message = Another request changed or ended your session while this one was running, so this one was not applied. Reload the page to try again.
error-store-unavailable-title = Sessions are unavailable
error-store-unavailable-message = The server cannot reach its session store right now, so this visit was not recorded. The cookie counter still works. Please try again in a moment.
error-unknown-language-title = Unknown language
error-unknown-language-message = This site speaks English, Russian, Traditional Chinese and Brazilian Portuguese: pick one of the buttons at the top of the page.

## Home

home-title = Two ways to remember a visitor
home-intro = HTTP forgets every request as soon as it has answered it. A site that wants to remember you has two places to keep what it knows.
home-cookie-heading = Client cookies
home-cookie-text = A <strong>cookie</strong> is a small named value that the server asks your browser to keep and send back with every later request, where you can read and change it.
home-none-yet = none yet
home-open-cookie = Open the cookie counter
home-session-heading = Server-side sessions
home-session-text-signed = A <strong>session</strong> usually keeps the data on the server and gives your browser only a random key. This site now runs with the <em>signed-cookie</em> backend: the data travels in the session cookie itself, signed, so you can read it but not change it.
home-session-text = A <strong>session</strong> keeps the data on the server (here: { $backend }) and gives your browser only a random key that finds it again.
home-session-views = Views of the session page:
home-open-session = Open the session counter
home-compare-heading = How they compare
compare-where = Where the data lives
compare-where-cookie = in your browser
compare-where-signed = in your browser too, in one signed cookie
compare-where-session = on the server: { $backend }
compare-read = Who can read it
compare-read-cookie = you, and any script on the page
compare-read-signed = you (not scripts: it is HttpOnly) and the server
compare-read-session = the server; you see only a random key
compare-change = Who can change it
compare-change-cookie = you, freely
compare-change-session = only the server: a changed key is refused
compare-size = Size limit
compare-size-cookie = about 4 KB per cookie, sent with every request
compare-size-session = what the store holds; about 100 bytes on the wire
compare-survives = Survives closing the browser
compare-survives-cookie = yes, until its Max-Age: { $age } here
compare-survives-session-closing = no: this site runs with “expire at browser close” (the server forgets it after { $age })
compare-survives-session = yes, for { $age } here
compare-revoke = The server can revoke it
compare-revoke-cookie = no
compare-revoke-signed = no: a copy stays valid until it expires
compare-revoke-session = yes: it deletes the stored session

## Hello

hello-title = Hello
hello-text = This page reads no session and no cookie but your language: it is the benchmark's ceiling, the cost of rendering a page through the same base template and nothing else.

## The counter pages

counter-title-cookie = Client cookie counter
counter-title-session = Server session counter
about-title-cookie = About the client cookie counter
about-title-session = About the server session counter
last-visit = Last counted visit: <time id="last-visit" datetime="{ $time }">{ $time }</time>. Visits count at most once every <strong id="visit-period">{ $period }</strong>.
next-visit-at = The next visit counts from <time id="next-visit-at" datetime="{ $at }" data-local-time>{ $at_text }</time>.
# $left is a length of time ("23 hours 59 minutes"), or a clock ("23:59:58") from the script.
countdown-left = That is in { $left }.
countdown-done = The period has passed: reload to count this visit.
shorten-period = Waiting a day is long for an experiment: start the server with a shorter period, <code>cargo run -- --visit-period 10s</code> (or <code>VISIT_PERIOD=10s cargo run</code>).
num-visits = You have visited this page { $count ->
    [one] { $count } time
   *[other] { $count } times
}.
counter-cookie-explained = Both numbers live in your browser, in the cookies <code>visits</code> and <code>last_visit</code>. Open the developer tools (Application → Cookies), change <code>visits</code> and reload: the page believes you.
counter-signed-cookie-explained = This server runs the <strong>signed-cookie</strong> backend: the whole session travels in the cookie <code>sessionid</code>, as JSON followed by a signature. You can read it in the developer tools, but you cannot change it: an altered value fails the signature check and the server starts a new session. Nor can the server take it back: a copy of an old cookie stays valid until it expires, even after “Forget me”.
counter-session-explained = Your browser holds only the cookie <code>sessionid</code>, a random key. The numbers live on the server (the <code>{ $backend }</code> backend), where the browser cannot change them.
counter-about-link = About this counter
counter-reset = Forget me
about-same-rule = This page counts too, by the same rule: at most once every { $period }.
about-back = Back to the counter
cookie-check-blocked = Your browser sent no cookie at all. Cookies look blocked, and the counter cannot remember you.
cookie-check-confirmed = The test cookie came back: your browser accepts cookies. It has now been removed.
cookie-check-known = Your browser sends cookies back, so it accepts them.
notice-cookie = The Tango with Django chapter starts with this example: a notice you can dismiss, and the site remembers that you did. Dismiss it, and this page keeps that in a cookie of your browser, <code>notice_dismissed</code>.
notice-session = The same notice, remembered the session’s way: dismiss it, and the server keeps that in your session’s data (<code>notice_dismissed</code>); your browser gets nothing new but <code>sessionid</code>.
notice-dismiss = Dismiss

## The inspector

inspector-title = Inspector
sequence-heading = This request, step by step
sequence-title = Sequence diagram of this request
sent-heading = Your browser sent
sent-none = No cookie at all.
column-cookie = Cookie
column-value = Value
column-role = What it is
cookie-role-counter = a counter cookie
cookie-role-test = the test cookie
cookie-role-dismissed = the “notice dismissed” flag
cookie-role-cookie-page = the cookie page’s; this page ignores it
cookie-role-session = the session cookie
cookie-role-preference = a preference cookie: your language
cookie-role-other = not this site’s: it ignores it
set-cookie-heading = This response sets
set-cookie-intro = Every <code>Set-Cookie</code> header of this very response, and what each attribute tells your browser:
set-cookie-none-cookie = No <code>Set-Cookie</code> header.
set-cookie-none-session = No <code>Set-Cookie</code> header: the session did not change, so your browser keeps the <code>sessionid</code> it has.
set-cookie-removes = Max-Age=0: your browser deletes <code>{ $name }</code> now.
set-cookie-browser-session = Neither Max-Age nor Expires: your browser forgets this cookie when it closes.
attr-max-age = keep it for { $age }, then forget it
attr-max-age-zero = delete it now
attr-expires = forget it at this date (the older way to say Max-Age, which wins when both are given)
attr-path = send it back with requests for { $value } and every address below it
attr-domain = send it to { $value } and its subdomains too
attr-httponly = keep it from page scripts: document.cookie does not show it
attr-secure = send it over HTTPS only
attr-samesite-lax = from other sites, send it only when the visitor follows a link here, not with their forms or images
attr-samesite-strict = never send it with a request that another site started
attr-samesite-none = send it with requests from other sites too (needs Secure)
attr-other = an attribute this page does not explain ({ $value })
session-parts-intro = The cookie’s value is two parts glued together:
session-parts-signature = signature
session-parts-key = session key
session-parts-data = session data
session-parts-why = This is why <code>sessionid</code> does not start with the session key: actix-session signs the key with the server’s secret (an HMAC-SHA256, 44 characters of base64) and puts the signature first. A key whose signature does not match is refused before any lookup.
session-parts-why-data = With the signed-cookie backend the part after the signature is the session itself, as JSON: readable, but any change breaks the signature.
stored-heading = The server stores under your session
stored-backend = Backend
stored-key = Session key
stored-key-prefix = (only the first 8 characters are shown)
stored-key-in-cookie = none: the cookie holds the data itself
stored-key-new = a new one, sent with this response
stored-sent-cookie = The sessionid you sent
stored-data = Data
stored-expires = Expires
stored-unchanged = unchanged: this request wrote nothing
dismissed-heading = Where “dismissed” lives
dismissed-where-cookie-true = In your browser: the cookie <code>notice_dismissed=1</code>, sent with every request (see above). Delete it and the notice comes back.
dismissed-where-cookie-false = Nowhere yet: dismiss the notice and a cookie, <code>notice_dismissed</code>, will hold it.
dismissed-where-session-true = On the server: <code>notice_dismissed: true</code> in your session’s data. Your browser holds no trace of it but <code>sessionid</code>.
dismissed-where-session-false = Nowhere yet: dismiss the notice and your session’s data will hold <code>notice_dismissed</code>.
cheat-heading = Try to cheat
cheat-cookie = These values are yours to edit: the server believes whatever comes back.
cheat-session = Your browser can set a <code>visits</code> cookie here too, but this page never reads one.
cheat-button = Set the cookie visits=1000 and reload
cheat-noscript = With JavaScript off, edit the cookie in the developer tools instead (Application → Cookies).

## The sequence diagram (plain text: SVG shows no markup)

seq-browser = Browser
seq-server = Server
seq-request = request, with its cookies
seq-request-no-cookie = request, without a cookie
seq-response = response, with its cookies
seq-response-no-cookie = response, no Set-Cookie
seq-cookie-no-store = counts from the cookies: no store
seq-signed-cookie-no-store = the session is in sessionid: no store
seq-nothing-to-load = no signed sessionid: nothing to load
seq-load = load the session
seq-found = { $count ->
    [one] found: { $count } value
   *[other] found: { $count } values
}
seq-not-found = nothing live under this key
seq-insert = save a new session
seq-update = save the changed data
seq-extend = extend the expiry only
seq-written = written
seq-no-write = data unchanged: nothing written
seq-summary = The browser sent { $sent ->
    [one] { $sent } cookie
   *[other] { $sent } cookies
}; the server answered with { $set ->
    [one] { $set } Set-Cookie header
   *[other] { $set } Set-Cookie headers
}.

## Where session data lives

backend-db = { $database } database
backend-redis = Redis
backend-cached-db = { $database } database + { $cache } cache
backend-signed-cookie = the signed cookie itself
cache-redis = Redis
cache-in-process = in-process
