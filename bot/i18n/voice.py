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


# ----- message calls (bot.voice): a text read by phone to a contact who cannot text ----------
# Kept in one block, by language as above, so that they move into the catalogs together.
MESSAGE_KEYS = ("message_menu", "rsvp_menu", "rsvp_yes", "rsvp_no", "rsvp_maybe",
                "calls_stopped", "other_key")

MESSAGE_PROMPTS: dict[str, dict[str, str]] = {
    "en": {"message_menu": "To hear this message again, press 9. To stop these calls, press 0.",
           "rsvp_menu": "To attend the call, press 1. If you cannot attend, press 2. For maybe, "
                        "press 3. To hear this message again, press 9. To stop these calls, "
                        "press 0.",
           "rsvp_yes": "Thank you. We recorded that you will attend. Goodbye.",
           "rsvp_no": "Thank you. We recorded that you cannot attend. Goodbye.",
           "rsvp_maybe": "Thank you. We recorded that you may attend. Goodbye.",
           "calls_stopped": "You will get no more of these calls. Goodbye.",
           "other_key": "That key does nothing here."},
    "es": {"message_menu": "Para escuchar este mensaje otra vez, marque 9. Para no recibir más "
                           "estas llamadas, marque 0.",
           "rsvp_menu": "Para asistir a la llamada, marque 1. Si no puede asistir, marque 2. Si "
                        "quizás, marque 3. Para escuchar este mensaje otra vez, marque 9. Para no "
                        "recibir más estas llamadas, marque 0.",
           "rsvp_yes": "Gracias. Anotamos que asistirá. Adiós.",
           "rsvp_no": "Gracias. Anotamos que no puede asistir. Adiós.",
           "rsvp_maybe": "Gracias. Anotamos que quizás asista. Adiós.",
           "calls_stopped": "No recibirá más estas llamadas. Adiós.",
           "other_key": "Esa tecla no tiene ninguna función aquí."},
    "zh": {"message_menu": "重听此消息，请按9。不再接听此类电话，请按0。",
           "rsvp_menu": "参加会议请按1。不能参加请按2。不确定请按3。重听此消息请按9。"
                        "不再接听此类电话请按0。",
           "rsvp_yes": "谢谢。我们已记录您将参加。再见。",
           "rsvp_no": "谢谢。我们已记录您不能参加。再见。",
           "rsvp_maybe": "谢谢。我们已记录您可能参加。再见。",
           "calls_stopped": "您将不再收到此类电话。再见。",
           "other_key": "此按键在这里无效。"},
    "vi": {"message_menu": "Để nghe lại tin nhắn này, xin bấm 9. Để không nhận các cuộc gọi này "
                           "nữa, xin bấm 0.",
           "rsvp_menu": "Để tham dự cuộc gọi, xin bấm 1. Nếu không thể tham dự, xin bấm 2. Nếu "
                        "có thể, xin bấm 3. Để nghe lại tin nhắn này, xin bấm 9. Để không nhận "
                        "các cuộc gọi này nữa, xin bấm 0.",
           "rsvp_yes": "Cảm ơn. Chúng tôi đã ghi nhận quý vị sẽ tham dự. Tạm biệt.",
           "rsvp_no": "Cảm ơn. Chúng tôi đã ghi nhận quý vị không thể tham dự. Tạm biệt.",
           "rsvp_maybe": "Cảm ơn. Chúng tôi đã ghi nhận quý vị có thể tham dự. Tạm biệt.",
           "calls_stopped": "Quý vị sẽ không nhận các cuộc gọi này nữa. Tạm biệt.",
           "other_key": "Phím đó không có tác dụng ở đây."},
    "ko": {"message_menu": "이 메시지를 다시 들으시려면 9번을 누르세요. 이런 전화를 그만 받으시려면 "
                           "0번을 누르세요.",
           "rsvp_menu": "회의에 참석하시려면 1번, 참석할 수 없으시면 2번, 미정이시면 3번을 누르세요. "
                        "이 메시지를 다시 들으시려면 9번, 이런 전화를 그만 받으시려면 0번을 누르세요.",
           "rsvp_yes": "감사합니다. 참석하시는 것으로 기록했습니다. 안녕히 계세요.",
           "rsvp_no": "감사합니다. 참석하실 수 없는 것으로 기록했습니다. 안녕히 계세요.",
           "rsvp_maybe": "감사합니다. 참석하실 수도 있는 것으로 기록했습니다. 안녕히 계세요.",
           "calls_stopped": "이런 전화를 더 이상 받지 않으십니다. 안녕히 계세요.",
           "other_key": "그 번호는 여기에서 쓰이지 않습니다."},
    "tl": {"message_menu": "Para marinig muli ang mensaheng ito, pindutin ang 9. Para itigil ang "
                           "mga tawag na ito, pindutin ang 0.",
           "rsvp_menu": "Para dumalo sa tawag, pindutin ang 1. Kung hindi kayo makakadalo, "
                        "pindutin ang 2. Kung baka, pindutin ang 3. Para marinig muli ang "
                        "mensaheng ito, pindutin ang 9. Para itigil ang mga tawag na ito, "
                        "pindutin ang 0.",
           "rsvp_yes": "Salamat. Naitala naming dadalo kayo. Paalam.",
           "rsvp_no": "Salamat. Naitala naming hindi kayo makakadalo. Paalam.",
           "rsvp_maybe": "Salamat. Naitala naming baka kayo dumalo. Paalam.",
           "calls_stopped": "Hindi na kayo makakatanggap ng mga tawag na ito. Paalam.",
           "other_key": "Walang gamit ang pindutang iyan dito."},
    "ar": {"message_menu": "لسماع هذه الرسالة مرة أخرى، اضغط 9. لإيقاف هذه المكالمات، اضغط 0.",
           "rsvp_menu": "لحضور المكالمة، اضغط 1. إذا لم تستطع الحضور، اضغط 2. إذا كنت غير متأكد، "
                        "اضغط 3. لسماع هذه الرسالة مرة أخرى، اضغط 9. لإيقاف هذه المكالمات، اضغط 0.",
           "rsvp_yes": "شكرًا. سجلنا أنك ستحضر. مع السلامة.",
           "rsvp_no": "شكرًا. سجلنا أنك لا تستطيع الحضور. مع السلامة.",
           "rsvp_maybe": "شكرًا. سجلنا أنك قد تحضر. مع السلامة.",
           "calls_stopped": "لن تصلك هذه المكالمات بعد الآن. مع السلامة.",
           "other_key": "هذا الزر لا يفعل شيئًا هنا."},
    "ht": {"message_menu": "Pou tande mesaj sa a ankò, peze 9. Pou nou pa rele w konsa ankò, "
                           "peze 0.",
           "rsvp_menu": "Pou patisipe nan apèl la, peze 1. Si ou pa ka vini, peze 2. Si petèt, "
                        "peze 3. Pou tande mesaj sa a ankò, peze 9. Pou nou pa rele w konsa ankò, "
                        "peze 0.",
           "rsvp_yes": "Mèsi. Nou note w ap patisipe. Orevwa.",
           "rsvp_no": "Mèsi. Nou note ou pa ka patisipe. Orevwa.",
           "rsvp_maybe": "Mèsi. Nou note ou ka petèt patisipe. Orevwa.",
           "calls_stopped": "Nou p ap rele w konsa ankò. Orevwa.",
           "other_key": "Bouton sa a pa fè anyen la a."},
    "fr": {"message_menu": "Pour réécouter ce message, tapez 9. Pour ne plus recevoir ces "
                           "appels, tapez 0.",
           "rsvp_menu": "Pour participer à l'appel, tapez 1. Si vous ne pouvez pas, tapez 2. "
                        "Peut-être, tapez 3. Pour réécouter ce message, tapez 9. Pour ne plus "
                        "recevoir ces appels, tapez 0.",
           "rsvp_yes": "Merci. Nous avons noté que vous participerez. Au revoir.",
           "rsvp_no": "Merci. Nous avons noté que vous ne pourrez pas participer. Au revoir.",
           "rsvp_maybe": "Merci. Nous avons noté que vous participerez peut-être. Au revoir.",
           "calls_stopped": "Vous ne recevrez plus ces appels. Au revoir.",
           "other_key": "Cette touche ne fait rien ici."},
    "pt": {"message_menu": "Para ouvir esta mensagem de novo, digite 9. Para não receber mais "
                           "estas chamadas, digite 0.",
           "rsvp_menu": "Para participar da chamada, digite 1. Se não puder participar, digite "
                        "2. Talvez, digite 3. Para ouvir esta mensagem de novo, digite 9. Para "
                        "não receber mais estas chamadas, digite 0.",
           "rsvp_yes": "Obrigado. Anotamos que você vai participar. Tchau.",
           "rsvp_no": "Obrigado. Anotamos que você não pode participar. Tchau.",
           "rsvp_maybe": "Obrigado. Anotamos que talvez você participe. Tchau.",
           "calls_stopped": "Você não vai receber mais estas chamadas. Tchau.",
           "other_key": "Essa tecla não faz nada aqui."},
    "ru": {"message_menu": "Чтобы прослушать сообщение ещё раз, нажмите 9. Чтобы больше не "
                           "получать такие звонки, нажмите 0.",
           "rsvp_menu": "Чтобы участвовать в звонке, нажмите 1. Если не можете, нажмите 2. Если "
                        "возможно, нажмите 3. Чтобы прослушать сообщение ещё раз, нажмите 9. "
                        "Чтобы больше не получать такие звонки, нажмите 0.",
           "rsvp_yes": "Спасибо. Мы записали, что вы будете участвовать. До свидания.",
           "rsvp_no": "Спасибо. Мы записали, что вы не сможете участвовать. До свидания.",
           "rsvp_maybe": "Спасибо. Мы записали, что вы, возможно, будете участвовать. "
                         "До свидания.",
           "calls_stopped": "Вы больше не будете получать такие звонки. До свидания.",
           "other_key": "Эта клавиша здесь ничего не делает."},
}
for _tag, _prompts in MESSAGE_PROMPTS.items():
    PROMPTS[_tag].update(_prompts)
KEYS = KEYS + MESSAGE_KEYS
