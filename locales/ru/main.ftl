# Cookies vs sessions: русский. Сообщения те же, что в locales/en/main.ftl.
# Длительности стоят в винительном падеже: «раз в 1 минуту», «через 1 минуту», «на 1 минуту».

## Every page

site-name = Куки против сессий
nav-label = Главное меню
nav-cookie = Куки клиента
nav-session = Сессии на сервере
language-switch-label = Язык
footer = Счётчик посещений из главы «Cookies and Sessions» книги Tango with Django и из MDN LocalLibrary, сделанный на Rust дважды.
visits-label = Посещений:
duration = { $unit ->
    [day] { $count ->
        [one] { $count } день
        [few] { $count } дня
       *[many] { $count } дней
    }
    [hour] { $count ->
        [one] { $count } час
        [few] { $count } часа
       *[many] { $count } часов
    }
    [minute] { $count ->
        [one] { $count } минуту
        [few] { $count } минуты
       *[many] { $count } минут
    }
   *[second] { $count ->
        [one] { $count } секунду
        [few] { $count } секунды
       *[many] { $count } секунд
    }
}

## Errors

error-home-link = На главную
error-render = Не удалось построить страницу.
error-not-found-title = Страница не найдена
error-not-found-message = По этому адресу страницы нет.
error-post-only-title = Метод не разрешён
error-post-only-message = Этот адрес принимает только POST своей формы.
error-cross-origin-title = Отклонено: запрос пришёл с другого сайта
error-cross-origin-message = Эту форму можно отправить только со страниц этого сайта.
error-too-many-cookies-title = Слишком много куки
error-too-many-cookies-message = Ваш браузер прислал больше куки, чем принимает этот сайт. Удалите куки этого сайта и попробуйте снова.
error-too-large-title = Слишком большой запрос
error-too-large-message = Формы этого сайта отправляют только нажатие кнопки и почти ничего больше.
error-session-conflict-title = Ваша сессия тем временем изменилась
error-session-conflict-message = Другой запрос изменил или завершил вашу сессию, пока выполнялся этот, поэтому этот запрос не применён. Перезагрузите страницу, чтобы попробовать снова.
error-store-unavailable-title = Сессии недоступны
error-store-unavailable-message = Сервер сейчас не может связаться с хранилищем сессий, поэтому это посещение не записано. Счётчик на куки по-прежнему работает. Попробуйте ещё раз чуть позже.
error-unknown-language-title = Неизвестный язык
error-unknown-language-message = Сайт говорит по-английски, по-русски, на традиционном китайском и на бразильском португальском: выберите одну из кнопок вверху страницы.

## Home

home-title = Два способа запомнить посетителя
home-intro = HTTP забывает каждый запрос, как только ответил на него. У сайта, который хочет вас запомнить, есть два места, где хранить то, что он о вас знает.
home-cookie-heading = Куки клиента
home-cookie-text = <strong>Куки</strong> — это небольшое именованное значение: сервер просит браузер сохранить его и присылать обратно с каждым следующим запросом. Вы можете его прочитать и изменить.
home-none-yet = пока нет
home-open-cookie = Открыть счётчик на куки
home-session-heading = Сессии на сервере
home-session-text-signed = <strong>Сессия</strong> обычно хранит данные на сервере, а браузеру отдаёт только случайный ключ. Сейчас этот сайт работает с бэкендом <em>signed-cookie</em>: данные едут в самой куки сессии, подписанными, — прочитать их можно, изменить нельзя.
home-session-text = <strong>Сессия</strong> хранит данные на сервере (здесь: { $backend }), а браузеру отдаёт только случайный ключ, по которому их можно найти снова.
home-session-views = Просмотров страницы сессии:
home-open-session = Открыть счётчик на сессии
home-compare-heading = Сравнение
compare-where = Где живут данные
compare-where-cookie = в вашем браузере
compare-where-signed = тоже в вашем браузере, в одной подписанной куки
compare-where-session = на сервере: { $backend }
compare-read = Кто может их прочитать
compare-read-cookie = вы и любой скрипт на странице
compare-read-signed = вы (но не скрипты: куки HttpOnly) и сервер
compare-read-session = сервер; вы видите только случайный ключ
compare-change = Кто может их изменить
compare-change-cookie = вы, как угодно
compare-change-session = только сервер: изменённый ключ отвергается
compare-size = Ограничение размера
compare-size-cookie = около 4 КБ на куки, и она уходит с каждым запросом
compare-size-session = сколько вместит хранилище; по сети — около 100 байт
compare-survives = Переживает закрытие браузера
compare-survives-cookie = да, на срок Max-Age: здесь на { $age }
compare-survives-session-closing = нет: сайт запущен с «истечением при закрытии браузера» (сервер забудет сессию через { $age })
compare-survives-session = да, здесь на { $age }
compare-revoke = Может ли сервер их отозвать
compare-revoke-cookie = нет
compare-revoke-signed = нет: копия действует, пока не истечёт
compare-revoke-session = да: он удаляет сохранённую сессию

## Hello

hello-title = Привет
hello-text = Эта страница не читает ни сессию, ни куки, кроме выбранного языка: это потолок бенчмарка — цена отрисовки страницы через тот же базовый шаблон и ничего больше.

## The counter pages

counter-title-cookie = Счётчик на куки клиента
counter-title-session = Счётчик на сессии сервера
about-title-cookie = О счётчике на куки клиента
about-title-session = О счётчике на сессии сервера
last-visit = Последнее засчитанное посещение: <time id="last-visit" datetime="{ $time }">{ $time }</time>. Посещения засчитываются не чаще раза в <strong id="visit-period">{ $period }</strong>.
next-visit-at = Следующее посещение засчитается начиная с <time id="next-visit-at" datetime="{ $at }" data-local-time>{ $at_text }</time>.
countdown-left = То есть через { $left }.
countdown-done = Срок прошёл: перезагрузите страницу, и это посещение засчитается.
shorten-period = Ждать сутки для опыта долго: запустите сервер с периодом покороче, <code>cargo run -- --visit-period 10s</code> (или <code>VISIT_PERIOD=10s cargo run</code>).
num-visits = Вы открыли эту страницу { $count } { $count ->
    [one] раз
    [few] раза
   *[many] раз
}.
counter-cookie-explained = Оба числа живут в вашем браузере, в куки <code>visits</code> и <code>last_visit</code>. Откройте инструменты разработчика (Application → Cookies), измените <code>visits</code> и перезагрузите страницу: она вам поверит.
counter-signed-cookie-explained = Этот сервер работает с бэкендом <strong>signed-cookie</strong>: вся сессия едет в куки <code>sessionid</code> — JSON, а за ним подпись. Прочитать её в инструментах разработчика можно, изменить нельзя: изменённое значение не пройдёт проверку подписи, и сервер начнёт новую сессию. Но и сервер не может её отозвать: копия старой куки действует, пока не истечёт, даже после «Забыть меня».
counter-session-explained = Ваш браузер хранит только куки <code>sessionid</code> — случайный ключ. Числа живут на сервере (бэкенд <code>{ $backend }</code>), где браузер не может их изменить.
counter-about-link = Об этом счётчике
counter-reset = Забыть меня
about-same-rule = Эта страница тоже считает, по тому же правилу: не чаще раза в { $period }.
about-back = Назад к счётчику
cookie-check-blocked = Ваш браузер не прислал ни одной куки. Похоже, куки заблокированы, и счётчик не может вас запомнить.
cookie-check-confirmed = Тестовая куки вернулась: ваш браузер принимает куки. Теперь она удалена.
cookie-check-known = Ваш браузер присылает куки обратно, значит, принимает их.
notice-cookie = Глава Tango with Django начинается с такого примера: уведомление, которое можно скрыть, и сайт помнит, что вы это сделали. Скройте его, и эта страница сохранит это в куки вашего браузера, <code>notice_dismissed</code>.
notice-session = То же уведомление, но запомненное по-сессионному: скройте его, и сервер сохранит это в данных вашей сессии (<code>notice_dismissed</code>); браузер не получит ничего нового, кроме <code>sessionid</code>.
notice-dismiss = Скрыть

## The inspector

inspector-title = Инспектор
sequence-heading = Этот запрос, шаг за шагом
sequence-title = Диаграмма последовательности этого запроса
sent-heading = Ваш браузер прислал
sent-none = Ни одной куки.
column-cookie = Куки
column-value = Значение
column-role = Что это
cookie-role-counter = куки счётчика
cookie-role-test = тестовая куки
cookie-role-dismissed = флаг «уведомление скрыто»
cookie-role-cookie-page = куки страницы с куки; эта страница её не читает
cookie-role-session = куки сессии
cookie-role-preference = куки-настройка: ваш язык
cookie-role-other = не этого сайта: он её не читает
set-cookie-heading = Этот ответ устанавливает
set-cookie-intro = Все заголовки <code>Set-Cookie</code> именно этого ответа и что каждый атрибут говорит вашему браузеру:
set-cookie-none-cookie = Заголовков <code>Set-Cookie</code> нет.
set-cookie-none-session = Заголовков <code>Set-Cookie</code> нет: сессия не изменилась, и браузер оставляет себе прежнюю <code>sessionid</code>.
set-cookie-removes = Max-Age=0: ваш браузер сейчас же удалит <code>{ $name }</code>.
set-cookie-browser-session = Нет ни Max-Age, ни Expires: браузер забудет эту куки, когда его закроют.
attr-max-age = хранить { $age }, затем забыть
attr-max-age-zero = удалить сейчас же
attr-expires = забыть в эту дату (старый способ сказать Max-Age; если указаны оба, главнее Max-Age)
attr-path = присылать с запросами к { $value } и ко всем адресам под ним
attr-domain = присылать также на { $value } и его поддомены
attr-httponly = скрыть от скриптов страницы: document.cookie её не покажет
attr-secure = присылать только по HTTPS
attr-samesite-lax = с других сайтов присылать, только когда посетитель переходит сюда по ссылке, но не с их формами или картинками
attr-samesite-strict = никогда не присылать с запросом, начатым другим сайтом
attr-samesite-none = присылать и с запросами с других сайтов (нужен Secure)
attr-other = атрибут, который эта страница не объясняет ({ $value })
session-parts-intro = Значение куки — две склеенные части:
session-parts-signature = подпись
session-parts-key = ключ сессии
session-parts-data = данные сессии
session-parts-why = Поэтому <code>sessionid</code> начинается не с ключа сессии: actix-session подписывает ключ секретом сервера (HMAC-SHA256, 44 символа base64) и ставит подпись впереди. Ключ с неверной подписью отвергается ещё до поиска.
session-parts-why-data = С бэкендом signed-cookie после подписи идёт сама сессия в виде JSON: её можно прочитать, но любое изменение ломает подпись.
stored-heading = Сервер хранит для вашей сессии
stored-backend = Бэкенд
stored-key = Ключ сессии
stored-key-prefix = (показаны только первые 8 символов)
stored-key-in-cookie = нет: данные хранит сама куки
stored-key-new = новый, отправлен с этим ответом
stored-sent-cookie = Присланная вами sessionid
stored-data = Данные
stored-expires = Истекает
stored-unchanged = без изменений: этот запрос ничего не записал
dismissed-heading = Где живёт «скрыто»
dismissed-where-cookie-true = В вашем браузере: куки <code>notice_dismissed=1</code>, она уходит с каждым запросом (см. выше). Удалите её, и уведомление вернётся.
dismissed-where-cookie-false = Пока нигде: скройте уведомление, и это сохранит куки <code>notice_dismissed</code>.
dismissed-where-session-true = На сервере: <code>notice_dismissed: true</code> в данных вашей сессии. В браузере от этого нет следа, кроме <code>sessionid</code>.
dismissed-where-session-false = Пока нигде: скройте уведомление, и данные вашей сессии сохранят <code>notice_dismissed</code>.
cheat-heading = Попробуйте схитрить
cheat-cookie = Эти значения вы можете менять сами: сервер поверит всему, что вернётся.
cheat-session = Ваш браузер может установить куки <code>visits</code> и здесь, но эта страница её никогда не читает.
cheat-button = Установить куки visits=1000 и перезагрузить
cheat-noscript = Без JavaScript измените куки в инструментах разработчика (Application → Cookies).

## The sequence diagram

seq-browser = Браузер
seq-server = Сервер
seq-request = запрос со своими куки
seq-request-no-cookie = запрос без куки
seq-response = ответ со своими куки
seq-response-no-cookie = ответ без Set-Cookie
seq-cookie-no-store = считает по куки: хранилища нет
seq-signed-cookie-no-store = сессия внутри sessionid: хранилища нет
seq-nothing-to-load = нет подписанной sessionid: загружать нечего
seq-load = загрузить сессию
seq-found = найдено значений: { $count }
seq-not-found = по этому ключу ничего живого
seq-insert = сохранить новую сессию
seq-update = сохранить изменённые данные
seq-extend = продлить только срок
seq-written = записано
seq-no-write = данные не изменились: ничего не записано
seq-summary = Куки, присланных браузером: { $sent }; заголовков Set-Cookie в ответе сервера: { $set }.

## Where session data lives

backend-db = база данных { $database }
backend-redis = Redis
backend-cached-db = база данных { $database } + кэш { $cache }
backend-signed-cookie = сама подписанная куки
cache-redis = Redis
cache-in-process = в памяти процесса
