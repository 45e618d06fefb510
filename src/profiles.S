/* The built-in profiles, compiled in from src/profiles/*.json. */
	.section .rodata
	.balign 16
#define PROFILE(sym, file)		\
	.global sym ## _json;		\
	.hidden sym ## _json;		\
sym ## _json:				\
	.incbin file;			\
	.byte 0;			\
	.global sym ## _json_end;	\
	.hidden sym ## _json_end;	\
sym ## _json_end:

PROFILE(al_profile_default, "src/profiles/default.json")
PROFILE(al_profile_python, "src/profiles/python.json")
PROFILE(al_profile_node, "src/profiles/node.json")
PROFILE(al_profile_model_eval, "src/profiles/model-eval.json")
PROFILE(al_profile_agent, "src/profiles/agent.json")
	.section .note.GNU-stack,"",@progbits
