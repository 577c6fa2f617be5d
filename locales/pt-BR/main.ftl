# Cookies vs sessions: português do Brasil. As mensagens são as mesmas de locales/en/main.ftl.

## Every page

site-name = Cookies x sessões
nav-label = Menu principal
nav-cookie = Cookies no cliente
nav-session = Sessões no servidor
language-switch-label = Idioma
footer = O contador de visitas do capítulo “Cookies and Sessions” do Tango with Django e da LocalLibrary do MDN, feito duas vezes em Rust.
visits-label = Visitas:
duration = { $unit ->
    [day] { $count ->
        [one] { $count } dia
       *[other] { $count } dias
    }
    [hour] { $count ->
        [one] { $count } hora
       *[other] { $count } horas
    }
    [minute] { $count ->
        [one] { $count } minuto
       *[other] { $count } minutos
    }
   *[second] { $count ->
        [0] { $count } segundos
        [one] { $count } segundo
       *[other] { $count } segundos
    }
}

## Errors

error-home-link = Início
error-render = Não foi possível montar a página.
error-not-found-title = Página não encontrada
error-not-found-message = Não há nenhuma página neste endereço.
error-post-only-title = Método não permitido
error-post-only-message = Este endereço só aceita o POST do seu formulário.
error-cross-origin-title = Recusado: outro site enviou isto
error-cross-origin-message = Este formulário só pode ser enviado pelas páginas deste site.
error-too-many-cookies-title = Cookies demais
error-too-many-cookies-message = Seu navegador enviou mais cookies do que este site aceita. Apague os cookies deste site e tente de novo.
error-too-large-title = Requisição grande demais
error-too-large-message = Os formulários deste site enviam um clique e quase nada mais.
error-session-conflict-title = Sua sessão mudou nesse meio-tempo
error-session-conflict-message = Outra requisição alterou ou encerrou sua sessão enquanto esta era processada, então esta não foi aplicada. Recarregue a página para tentar de novo.
error-store-unavailable-title = Sessões indisponíveis
error-store-unavailable-message = No momento o servidor não consegue acessar o armazenamento de sessões, então esta visita não foi registrada. O contador de cookies continua funcionando. Tente de novo daqui a pouco.
error-unknown-language-title = Idioma desconhecido
error-unknown-language-message = Este site fala inglês, russo, chinês tradicional e português do Brasil: escolha um dos botões no alto da página.

## Home

home-title = Duas maneiras de lembrar um visitante
home-intro = O HTTP esquece cada requisição assim que a responde. Um site que quer lembrar de você tem dois lugares para guardar o que sabe.
home-cookie-heading = Cookies no cliente
home-cookie-text = Um <strong>cookie</strong> é um pequeno valor com nome que o servidor pede ao seu navegador para guardar e enviar de volta em cada requisição seguinte; você pode lê-lo e alterá-lo.
home-none-yet = nenhuma ainda
home-open-cookie = Abrir o contador de cookies
home-session-heading = Sessões no servidor
home-session-text-signed = Uma <strong>sessão</strong> costuma guardar os dados no servidor e dar ao navegador só uma chave aleatória. Agora este site usa o backend <em>signed-cookie</em>: os dados viajam no próprio cookie de sessão, assinados, então você pode lê-los, mas não alterá-los.
home-session-text = Uma <strong>sessão</strong> guarda os dados no servidor (aqui: { $backend }) e dá ao seu navegador só uma chave aleatória para encontrá-los de novo.
home-session-views = Visualizações da página de sessão:
home-open-session = Abrir o contador de sessões
home-compare-heading = Comparando os dois
compare-where = Onde ficam os dados
compare-where-cookie = no seu navegador
compare-where-signed = também no seu navegador, em um cookie assinado
compare-where-session = no servidor: { $backend }
compare-read = Quem pode lê-los
compare-read-cookie = você e qualquer script da página
compare-read-signed = você (scripts não: ele é HttpOnly) e o servidor
compare-read-session = o servidor; você vê só uma chave aleatória
compare-change = Quem pode alterá-los
compare-change-cookie = você, à vontade
compare-change-session = só o servidor: uma chave alterada é recusada
compare-size = Limite de tamanho
compare-size-cookie = cerca de 4 KB por cookie, enviado em toda requisição
compare-size-session = o que o armazenamento comportar; cerca de 100 bytes na rede
compare-survives = Sobrevive ao fechar o navegador
compare-survives-cookie = sim, até o Max-Age: aqui, { $age }
compare-survives-session-closing = não: este site roda com “expirar ao fechar o navegador” (o servidor a esquece após { $age })
compare-survives-session = sim, por { $age } aqui
compare-revoke = O servidor pode revogá-lo
compare-revoke-cookie = não
compare-revoke-signed = não: uma cópia vale até expirar
compare-revoke-session = sim: ele apaga a sessão guardada

## Hello

hello-title = Olá
hello-text = Esta página não lê sessão nem cookie, exceto o do seu idioma: é o teto do benchmark, o custo de montar uma página com o mesmo template base e nada mais.

## The counter pages

counter-title-cookie = Contador com cookies no cliente
counter-title-session = Contador com sessão no servidor
about-title-cookie = Sobre o contador com cookies no cliente
about-title-session = Sobre o contador com sessão no servidor
last-visit = Última visita contada: <time id="last-visit" datetime="{ $time }">{ $time }</time>. As visitas contam no máximo uma vez a cada <strong id="visit-period">{ $period }</strong>.
next-visit-at = A próxima visita conta a partir de <time id="next-visit-at" datetime="{ $at }" data-local-time>{ $at_text }</time>.
countdown-left = Ou seja, daqui a { $left }.
countdown-done = O período já passou: recarregue para contar esta visita.
shorten-period = Esperar um dia é muito para um experimento: inicie o servidor com um período menor, <code>cargo run -- --visit-period 10s</code> (ou <code>VISIT_PERIOD=10s cargo run</code>).
num-visits = Você visitou esta página { $count } { $count ->
    [one] vez
   *[other] vezes
}.
counter-cookie-explained = Os dois números ficam no seu navegador, nos cookies <code>visits</code> e <code>last_visit</code>. Abra as ferramentas de desenvolvedor (Application → Cookies), altere <code>visits</code> e recarregue: a página acredita em você.
counter-signed-cookie-explained = Este servidor usa o backend <strong>signed-cookie</strong>: a sessão inteira viaja no cookie <code>sessionid</code>, como JSON seguido de uma assinatura. Você pode lê-la nas ferramentas de desenvolvedor, mas não alterá-la: um valor alterado falha na verificação da assinatura e o servidor começa uma sessão nova. Nem o servidor pode retirá-la: uma cópia de um cookie antigo vale até expirar, mesmo depois de “Esqueça-me”.
counter-session-explained = Seu navegador guarda só o cookie <code>sessionid</code>, uma chave aleatória. Os números ficam no servidor (o backend <code>{ $backend }</code>), onde o navegador não pode alterá-los.
counter-about-link = Sobre este contador
counter-reset = Esqueça-me
about-same-rule = Esta página também conta, pela mesma regra: no máximo uma vez a cada { $period }.
about-back = Voltar ao contador
cookie-check-blocked = Seu navegador não enviou nenhum cookie. Os cookies parecem bloqueados, e o contador não consegue lembrar de você.
cookie-check-confirmed = O cookie de teste voltou: seu navegador aceita cookies. Ele acabou de ser removido.
cookie-check-known = Seu navegador devolve os cookies, então ele os aceita.
notice-cookie = O capítulo do Tango with Django começa com este exemplo: um aviso que você pode dispensar, e o site lembra que você o dispensou. Dispense-o e esta página guarda isso em um cookie do seu navegador, <code>notice_dismissed</code>.
notice-session = O mesmo aviso, lembrado do jeito da sessão: dispense-o e o servidor guarda isso nos dados da sua sessão (<code>notice_dismissed</code>); seu navegador não recebe nada de novo além de <code>sessionid</code>.
notice-dismiss = Dispensar

## The inspector

inspector-title = Inspetor
sequence-heading = Esta requisição, passo a passo
sequence-title = Diagrama de sequência desta requisição
sent-heading = Seu navegador enviou
sent-none = Nenhum cookie.
column-cookie = Cookie
column-value = Valor
column-role = O que é
cookie-role-counter = um cookie do contador
cookie-role-test = o cookie de teste
cookie-role-dismissed = o sinal de “aviso dispensado”
cookie-role-cookie-page = da página de cookies; esta página o ignora
cookie-role-session = o cookie de sessão
cookie-role-preference = um cookie de preferência: seu idioma
cookie-role-other = não é deste site: ele o ignora
set-cookie-heading = Esta resposta define
set-cookie-intro = Cada cabeçalho <code>Set-Cookie</code> desta mesma resposta, e o que cada atributo diz ao seu navegador:
set-cookie-none-cookie = Nenhum cabeçalho <code>Set-Cookie</code>.
set-cookie-none-session = Nenhum cabeçalho <code>Set-Cookie</code>: a sessão não mudou, então seu navegador mantém o <code>sessionid</code> que já tem.
set-cookie-removes = Max-Age=0: seu navegador apaga <code>{ $name }</code> agora.
set-cookie-browser-session = Nem Max-Age nem Expires: seu navegador esquece este cookie quando for fechado.
attr-max-age = guarde-o por { $age } e depois esqueça
attr-max-age-zero = apague-o agora
attr-expires = esqueça-o nesta data (o jeito antigo de dizer Max-Age, que vale quando os dois aparecem)
attr-path = envie-o de volta nas requisições para { $value } e todos os endereços abaixo dele
attr-domain = envie-o também para { $value } e seus subdomínios
attr-httponly = esconda-o dos scripts da página: document.cookie não o mostra
attr-secure = envie-o só por HTTPS
attr-samesite-lax = vindo de outros sites, envie-o só quando o visitante segue um link até aqui, não com os formulários ou imagens deles
attr-samesite-strict = nunca o envie numa requisição iniciada por outro site
attr-samesite-none = envie-o também em requisições de outros sites (exige Secure)
attr-other = um atributo que esta página não explica ({ $value })
session-parts-intro = O valor do cookie são duas partes coladas:
session-parts-signature = assinatura
session-parts-key = chave da sessão
session-parts-data = dados da sessão
session-parts-why = É por isso que <code>sessionid</code> não começa com a chave da sessão: o actix-session assina a chave com o segredo do servidor (um HMAC-SHA256, 44 caracteres em base64) e põe a assinatura na frente. Uma chave cuja assinatura não confere é recusada antes de qualquer busca.
session-parts-why-data = Com o backend signed-cookie, o que vem depois da assinatura é a própria sessão, em JSON: dá para ler, mas qualquer alteração quebra a assinatura.
stored-heading = O servidor guarda na sua sessão
stored-backend = Backend
stored-key = Chave da sessão
stored-key-prefix = (só os 8 primeiros caracteres são mostrados)
stored-key-in-cookie = nenhuma: o próprio cookie guarda os dados
stored-key-new = uma nova, enviada com esta resposta
stored-sent-cookie = O sessionid que você enviou
stored-data = Dados
stored-expires = Expira em
stored-unchanged = sem mudança: esta requisição não gravou nada
dismissed-heading = Onde fica o “dispensado”
dismissed-where-cookie-true = No seu navegador: o cookie <code>notice_dismissed=1</code>, enviado em toda requisição (veja acima). Apague-o e o aviso volta.
dismissed-where-cookie-false = Em lugar nenhum ainda: dispense o aviso e um cookie, <code>notice_dismissed</code>, vai guardá-lo.
dismissed-where-session-true = No servidor: <code>notice_dismissed: true</code> nos dados da sua sessão. Seu navegador não guarda nenhum vestígio disso além de <code>sessionid</code>.
dismissed-where-session-false = Em lugar nenhum ainda: dispense o aviso e os dados da sua sessão vão guardar <code>notice_dismissed</code>.
cheat-heading = Tente trapacear
cheat-cookie = Estes valores são seus para editar: o servidor acredita no que voltar.
cheat-session = Seu navegador também pode definir um cookie <code>visits</code> aqui, mas esta página nunca o lê.
cheat-button = Definir o cookie visits=1000 e recarregar
cheat-noscript = Sem JavaScript, edite o cookie nas ferramentas de desenvolvedor (Application → Cookies).

## The sequence diagram

seq-browser = Navegador
seq-server = Servidor
seq-request = requisição, com seus cookies
seq-request-no-cookie = requisição, sem cookie
seq-response = resposta, com seus cookies
seq-response-no-cookie = resposta, sem Set-Cookie
seq-cookie-no-store = conta pelos cookies: sem armazenamento
seq-signed-cookie-no-store = a sessão está no sessionid: sem armazenamento
seq-nothing-to-load = sem sessionid assinado: nada a carregar
seq-load = carregar a sessão
seq-found = { $count ->
    [one] encontrado: { $count } valor
   *[other] encontrados: { $count } valores
}
seq-not-found = nada válido sob esta chave
seq-insert = salvar uma sessão nova
seq-update = salvar os dados alterados
seq-extend = só estender a validade
seq-written = gravado
seq-no-write = dados sem mudança: nada gravado
seq-summary = O navegador enviou { $sent ->
    [one] { $sent } cookie
   *[other] { $sent } cookies
}; o servidor respondeu com { $set ->
    [one] { $set } cabeçalho Set-Cookie
   *[other] { $set } cabeçalhos Set-Cookie
}.

## Where session data lives

backend-db = banco de dados { $database }
backend-redis = Redis
backend-cached-db = banco de dados { $database } + cache { $cache }
backend-signed-cookie = o próprio cookie assinado
cache-redis = Redis
cache-in-process = em processo
