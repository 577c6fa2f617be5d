# Cookies vs sessions：繁體中文。訊息與 locales/en/main.ftl 完全相同。
# 術語：Cookie、工作階段（session）。

## Every page

site-name = Cookie 與工作階段
nav-label = 主選單
nav-cookie = 用戶端 Cookie
nav-session = 伺服器工作階段
language-switch-label = 語言
footer = 《Tango with Django》「Cookies and Sessions」一章與 MDN LocalLibrary 的造訪計數器，用 Rust 做了兩次。
visits-label = 造訪次數：
duration = { $unit ->
    [day] { $count } 天
    [hour] { $count } 小時
    [minute] { $count } 分鐘
   *[second] { $count } 秒
}

## Errors

error-home-link = 回首頁
error-render = 無法產生這個頁面。
error-not-found-title = 找不到頁面
error-not-found-message = 這個網址沒有頁面。
error-post-only-title = 不允許的方法
error-post-only-message = 這個網址只接受其表單的 POST。
error-cross-origin-title = 已拒絕：這是其他網站送來的
error-cross-origin-message = 這個表單只能從本站自己的頁面送出。
error-too-many-cookies-title = Cookie 太多
error-too-many-cookies-message = 您的瀏覽器送來的 Cookie 超過本站接受的數量。請清除本站的 Cookie 後再試一次。
error-too-large-title = 請求太大
error-too-large-message = 本站的表單只會送出一次點擊，幾乎沒有別的內容。
error-session-conflict-title = 您的工作階段在這期間變更了
error-session-conflict-message = 在這個請求執行時，另一個請求變更或結束了您的工作階段，所以這個請求沒有套用。請重新載入頁面再試一次。
error-store-unavailable-title = 工作階段暫時無法使用
error-store-unavailable-message = 伺服器目前連不上工作階段儲存區，所以這次造訪沒有記錄下來。Cookie 計數器仍然可以使用。請稍後再試。
error-unknown-language-title = 不明的語言
error-unknown-language-message = 本站提供英文、俄文、繁體中文與巴西葡萄牙文：請點選頁面頂端的其中一個按鈕。

## Home

home-title = 記住訪客的兩種方法
home-intro = HTTP 回應完每個請求就把它忘了。想記住您的網站，有兩個地方可以存放它知道的事。
home-cookie-heading = 用戶端 Cookie
home-cookie-text = <strong>Cookie</strong> 是一個有名稱的小小值：伺服器請您的瀏覽器保存它，並在之後的每個請求中送回來；您可以讀取也可以修改它。
home-none-yet = 還沒有
home-open-cookie = 開啟 Cookie 計數器
home-session-heading = 伺服器端工作階段
home-session-text-signed = <strong>工作階段</strong>通常把資料存在伺服器上，只給瀏覽器一把隨機的金鑰。本站現在使用 <em>signed-cookie</em> 後端：資料放在工作階段 Cookie 本身裡並加上簽章，所以您讀得到，但改不了。
home-session-text = <strong>工作階段</strong>把資料存在伺服器上（這裡是：{ $backend }），只給瀏覽器一把隨機的金鑰，用來再次找到資料。
home-session-views = 工作階段頁面的瀏覽次數：
home-open-session = 開啟工作階段計數器
home-compare-heading = 兩者比較
compare-where = 資料存放在哪裡
compare-where-cookie = 在您的瀏覽器裡
compare-where-signed = 也在您的瀏覽器裡，在一個加了簽章的 Cookie 中
compare-where-session = 在伺服器上：{ $backend }
compare-read = 誰能讀取
compare-read-cookie = 您，以及頁面上的任何指令碼
compare-read-signed = 您（指令碼不行：它是 HttpOnly）和伺服器
compare-read-session = 伺服器；您只看得到一把隨機金鑰
compare-change = 誰能修改
compare-change-cookie = 您，隨意修改
compare-change-session = 只有伺服器：被改過的金鑰會被拒絕
compare-size = 大小限制
compare-size-cookie = 每個 Cookie 約 4 KB，每個請求都會送出
compare-size-session = 取決於儲存區；在網路上約 100 位元組
compare-survives = 關閉瀏覽器後還在嗎
compare-survives-cookie = 在，直到 Max-Age 到期：這裡是 { $age }
compare-survives-session-closing = 不在：本站設定為「關閉瀏覽器即失效」（伺服器在 { $age } 後忘記它）
compare-survives-session = 在，這裡保留 { $age }
compare-revoke = 伺服器能撤銷它嗎
compare-revoke-cookie = 不能
compare-revoke-signed = 不能：副本在到期前都有效
compare-revoke-session = 能：刪除儲存的工作階段即可

## Hello

hello-title = 你好
hello-text = 這個頁面不讀取工作階段，除了您的語言之外也不讀取任何 Cookie：它是效能測試的上限，也就是只透過同一個基本範本產生頁面的成本。

## The counter pages

counter-title-cookie = 用戶端 Cookie 計數器
counter-title-session = 伺服器工作階段計數器
about-title-cookie = 關於用戶端 Cookie 計數器
about-title-session = 關於伺服器工作階段計數器
last-visit = 上次計入的造訪：<time id="last-visit" datetime="{ $time }">{ $time }</time>。每 <strong id="visit-period">{ $period }</strong>最多計入一次造訪。
next-visit-at = 下一次造訪從 <time id="next-visit-at" datetime="{ $at }" data-local-time>{ $at_text }</time> 起計入。
countdown-left = 也就是 { $left }後。
countdown-done = 期間已過：重新載入即可計入這次造訪。
shorten-period = 做實驗等一天太久了：用較短的期間啟動伺服器，<code>cargo run -- --visit-period 10s</code>（或 <code>VISIT_PERIOD=10s cargo run</code>）。
num-visits = 您已造訪此頁面 { $count } 次。
counter-cookie-explained = 兩個數字都存在您的瀏覽器裡，在 Cookie <code>visits</code> 與 <code>last_visit</code> 中。開啟開發人員工具（Application → Cookies），修改 <code>visits</code> 後重新載入：頁面會相信您。
counter-signed-cookie-explained = 這台伺服器使用 <strong>signed-cookie</strong> 後端：整個工作階段都放在 Cookie <code>sessionid</code> 裡，先是 JSON，後面接著簽章。您可以在開發人員工具中讀取它，但無法修改：被改過的值通不過簽章檢查，伺服器會開始新的工作階段。伺服器也無法收回它：舊 Cookie 的副本在到期前都有效，即使按了「忘記我」也一樣。
counter-session-explained = 您的瀏覽器只保存 Cookie <code>sessionid</code>，也就是一把隨機金鑰。數字存在伺服器上（<code>{ $backend }</code> 後端），瀏覽器無法修改。
counter-about-link = 關於這個計數器
counter-reset = 忘記我
about-same-rule = 這個頁面也會計數，規則相同：每 { $period }最多一次。
about-back = 回到計數器
cookie-check-blocked = 您的瀏覽器完全沒有送出 Cookie。Cookie 似乎被封鎖了，計數器無法記住您。
cookie-check-confirmed = 測試 Cookie 回來了：您的瀏覽器接受 Cookie。它現在已被移除。
cookie-check-known = 您的瀏覽器會把 Cookie 送回來，所以它接受 Cookie。
notice-cookie = 《Tango with Django》這一章從這個例子開始：一則可以關閉的通知，網站會記得您關閉過。關閉它，這個頁面就會把這件事存在您瀏覽器的 Cookie <code>notice_dismissed</code> 裡。
notice-session = 同一則通知，用工作階段的方式記住：關閉它，伺服器就把這件事存在您的工作階段資料中（<code>notice_dismissed</code>）；您的瀏覽器除了 <code>sessionid</code> 之外不會收到任何新東西。
notice-dismiss = 關閉

## The inspector

inspector-title = 檢查器
sequence-heading = 這個請求的每一步
sequence-title = 這個請求的循序圖
sent-heading = 您的瀏覽器送出了
sent-none = 沒有任何 Cookie。
column-cookie = Cookie
column-value = 值
column-role = 用途
cookie-role-counter = 計數器 Cookie
cookie-role-test = 測試 Cookie
cookie-role-dismissed = 「通知已關閉」旗標
cookie-role-cookie-page = 屬於 Cookie 頁面；這個頁面不讀它
cookie-role-session = 工作階段 Cookie
cookie-role-preference = 偏好設定 Cookie：您的語言
cookie-role-other = 不是本站的：本站不讀它
set-cookie-heading = 這個回應設定了
set-cookie-intro = 這個回應本身的每一個 <code>Set-Cookie</code> 標頭，以及每個屬性告訴瀏覽器的事：
set-cookie-none-cookie = 沒有 <code>Set-Cookie</code> 標頭。
set-cookie-none-session = 沒有 <code>Set-Cookie</code> 標頭：工作階段沒有變更，所以瀏覽器保留原本的 <code>sessionid</code>。
set-cookie-removes = Max-Age=0：您的瀏覽器會立刻刪除 <code>{ $name }</code>。
set-cookie-browser-session = 既沒有 Max-Age 也沒有 Expires：瀏覽器關閉時就會忘記這個 Cookie。
attr-max-age = 保存 { $age }，之後忘記
attr-max-age-zero = 立刻刪除
attr-expires = 在這個日期忘記（Max-Age 的舊寫法；兩者都有時以 Max-Age 為準）
attr-path = 在對 { $value } 及其下所有網址的請求中送回
attr-domain = 也送給 { $value } 及其子網域
attr-httponly = 不讓頁面指令碼讀取：document.cookie 看不到它
attr-secure = 只透過 HTTPS 傳送
attr-samesite-lax = 來自其他網站時，只有訪客點連結過來才送出，隨其表單或圖片時不送
attr-samesite-strict = 由其他網站發起的請求一律不送
attr-samesite-none = 來自其他網站的請求也送出（需要 Secure）
attr-other = 本頁沒有解釋的屬性（{ $value }）
session-parts-intro = Cookie 的值由兩個部分接在一起：
session-parts-signature = 簽章
session-parts-key = 工作階段金鑰
session-parts-data = 工作階段資料
session-parts-why = 這就是 <code>sessionid</code> 的開頭不是工作階段金鑰的原因：actix-session 用伺服器的密鑰為金鑰簽章（HMAC-SHA256，44 個 base64 字元），並把簽章放在前面。簽章不符的金鑰在查詢之前就會被拒絕。
session-parts-why-data = 使用 signed-cookie 後端時，簽章後面就是工作階段本身，以 JSON 表示：讀得到，但任何修改都會破壞簽章。
stored-heading = 伺服器為您的工作階段儲存了
stored-backend = 後端
stored-key = 工作階段金鑰
stored-key-prefix = （只顯示前 8 個字元）
stored-key-in-cookie = 沒有：資料就在 Cookie 本身裡
stored-key-new = 新的一把，隨這個回應送出
stored-sent-cookie = 您送出的 sessionid
stored-data = 資料
stored-expires = 到期時間
stored-unchanged = 未變更：這個請求沒有寫入任何東西
dismissed-heading = 「已關閉」存在哪裡
dismissed-where-cookie-true = 在您的瀏覽器裡：Cookie <code>notice_dismissed=1</code>，每個請求都會送出（見上方）。刪除它，通知就會回來。
dismissed-where-cookie-false = 還沒有存在任何地方：關閉通知後，會由 Cookie <code>notice_dismissed</code> 保存。
dismissed-where-session-true = 在伺服器上：您工作階段資料中的 <code>notice_dismissed: true</code>。您的瀏覽器裡除了 <code>sessionid</code> 之外沒有任何痕跡。
dismissed-where-session-false = 還沒有存在任何地方：關閉通知後，您的工作階段資料會保存 <code>notice_dismissed</code>。
cheat-heading = 試著作弊
cheat-cookie = 這些值您可以自己修改：伺服器會相信送回來的任何內容。
cheat-session = 您的瀏覽器在這裡也可以設定 <code>visits</code> Cookie，但這個頁面從來不讀它。
cheat-button = 設定 Cookie visits=1000 並重新載入
cheat-noscript = 關閉 JavaScript 時，請改在開發人員工具中修改 Cookie（Application → Cookies）。

## The sequence diagram

seq-browser = 瀏覽器
seq-server = 伺服器
seq-request = 請求，附上它的 Cookie
seq-request-no-cookie = 請求，沒有 Cookie
seq-response = 回應，附上它的 Cookie
seq-response-no-cookie = 回應，沒有 Set-Cookie
seq-cookie-no-store = 依 Cookie 計數：沒有儲存區
seq-signed-cookie-no-store = 工作階段就在 sessionid 裡：沒有儲存區
seq-nothing-to-load = 沒有加簽章的 sessionid：不需載入
seq-load = 載入工作階段
seq-found = 找到 { $count } 個值
seq-not-found = 這把金鑰下沒有有效資料
seq-insert = 儲存新的工作階段
seq-update = 儲存變更的資料
seq-extend = 只延長到期時間
seq-written = 已寫入
seq-no-write = 資料沒有變更：沒有寫入
seq-summary = 瀏覽器送出 { $sent } 個 Cookie；伺服器回應了 { $set } 個 Set-Cookie 標頭。

## Where session data lives

backend-db = { $database } 資料庫
backend-redis = Redis
backend-cached-db = { $database } 資料庫 + { $cache } 快取
backend-signed-cookie = 加了簽章的 Cookie 本身
cache-redis = Redis
cache-in-process = 行程內
