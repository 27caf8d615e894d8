"""What the phone bridge says, in each supported language (spoken by Twilio's <Say>)."""

from bot.i18n.languages import parse_language

KEYS = ("welcome", "no_input", "wrong_pin", "joining", "goodbye")

PROMPTS: dict[str, dict[str, str]] = {
    "en": {"welcome": "Welcome to the coordination call. Please enter your six digit PIN.",
           "no_input": "We did not hear a PIN.",
           "wrong_pin": "That PIN is not for a call happening now. Please try again.",
           "joining": "Thank you. You are joining the call now.",
           "goodbye": "Goodbye."},
    "es": {"welcome": "Bienvenido a la llamada de coordinación. Marque su PIN de seis dígitos.",
           "no_input": "No recibimos un PIN.",
           "wrong_pin": "Ese PIN no corresponde a una llamada en curso. Inténtelo de nuevo.",
           "joining": "Gracias. Ahora entra a la llamada.",
           "goodbye": "Adiós."},
    "zh": {"welcome": "欢迎参加协调电话会议。请输入六位数的PIN码。",
           "no_input": "我们没有收到PIN码。",
           "wrong_pin": "这个PIN码不属于正在进行的会议。请再试一次。",
           "joining": "谢谢。您现在正在加入会议。",
           "goodbye": "再见。"},
    "vi": {"welcome": "Chào mừng quý vị đến với cuộc gọi điều phối. Vui lòng nhập mã PIN sáu số.",
           "no_input": "Chúng tôi không nhận được mã PIN.",
           "wrong_pin": "Mã PIN này không dùng cho cuộc gọi nào đang diễn ra. Vui lòng thử lại.",
           "joining": "Cảm ơn. Quý vị đang vào cuộc gọi.",
           "goodbye": "Tạm biệt."},
    "ko": {"welcome": "조정 회의 전화에 오신 것을 환영합니다. 여섯 자리 PIN을 입력해 주세요.",
           "no_input": "PIN이 입력되지 않았습니다.",
           "wrong_pin": "이 PIN은 지금 진행 중인 회의의 PIN이 아닙니다. 다시 입력해 주세요.",
           "joining": "감사합니다. 지금 회의에 연결합니다.",
           "goodbye": "안녕히 계세요."},
    "tl": {"welcome": "Maligayang pagdating sa coordination call. Pakilagay ang inyong "
                      "anim na numerong PIN.",
           "no_input": "Wala kaming natanggap na PIN.",
           "wrong_pin": "Ang PIN na iyan ay hindi para sa tawag na nagaganap ngayon. "
                        "Pakisubukang muli.",
           "joining": "Salamat. Kumokonekta na kayo sa tawag.",
           "goodbye": "Paalam."},
    "ar": {"welcome": "مرحبًا بكم في مكالمة التنسيق. يرجى إدخال رمز PIN المكون من ستة أرقام.",
           "no_input": "لم نتلقَّ رمز PIN.",
           "wrong_pin": "هذا الرمز لا يخص مكالمة جارية الآن. يرجى المحاولة مرة أخرى.",
           "joining": "شكرًا. أنت تنضم إلى المكالمة الآن.",
           "goodbye": "مع السلامة."},
    "ht": {"welcome": "Byenveni nan apèl kowòdinasyon an. Tanpri antre PIN sis chif ou a.",
           "no_input": "Nou pa resevwa okenn PIN.",
           "wrong_pin": "PIN sa a pa pou yon apèl k ap fèt kounye a. Tanpri eseye ankò.",
           "joining": "Mèsi. W ap antre nan apèl la kounye a.",
           "goodbye": "Orevwa."},
    "fr": {"welcome": "Bienvenue à l'appel de coordination. Composez votre code PIN à six "
                      "chiffres.",
           "no_input": "Nous n'avons pas reçu de code PIN.",
           "wrong_pin": "Ce code PIN ne correspond à aucun appel en cours. Veuillez réessayer.",
           "joining": "Merci. Vous rejoignez l'appel.",
           "goodbye": "Au revoir."},
    "pt": {"welcome": "Bem-vindo à chamada de coordenação. Digite seu PIN de seis dígitos.",
           "no_input": "Não recebemos um PIN.",
           "wrong_pin": "Esse PIN não é de uma chamada em andamento. Tente de novo.",
           "joining": "Obrigado. Você está entrando na chamada.",
           "goodbye": "Tchau."},
    "ru": {"welcome": "Добро пожаловать на координационный звонок. Введите шестизначный "
                      "PIN-код.",
           "no_input": "Мы не получили PIN-код.",
           "wrong_pin": "Этот PIN-код не подходит ни к одному текущему звонку. Попробуйте ещё раз.",
           "joining": "Спасибо. Вы подключаетесь к звонку.",
           "goodbye": "До свидания."},
}


def prompt(key: str, language: str | None) -> str:
    try:
        tag = parse_language(language or "en")
    except Exception:
        tag = "en"
    return PROMPTS.get(tag, PROMPTS["en"])[key]
